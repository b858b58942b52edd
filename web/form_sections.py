"""A long form's sections, for its outline and its progress ("7 of 16 sections done").

Sections come from the top level of the schema, in `ui:order`: an object (a signature, a risk
screen) or a repeating group (goals) is a section; an object made only of objects (the
assessment's domains) is a heading whose children are the sections; a run of plain fields
between them is one section, titled by `ui:sections` when the UI schema names it there
(`{"Living and language": ["living_arrangements", "language_preference"]}`), otherwise by
its fields' titles. A form of fewer than five sections gets no outline: there it is noise.

A section is done when every field it requires is answered, the same rule static/app.js
applies while a person types: objects are looked through (their required fields count),
a repeating group needs its `minItems` rows, and an untouched row counts for nothing (it is
dropped on submit). A section that requires nothing is optional and not counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MIN_SECTIONS = 5


@dataclass
class Section:
    id: str                      # the id of its fieldset, the outline's link target
    title: str
    path: str = ""               # the object's or group's field path; "" for a run of fields
    keys: list[str] = field(default_factory=list)
    counted: bool = False
    done: bool = False
    children: list["Section"] = field(default_factory=list)
    has_error: bool = False


def section_id(path: str) -> str:
    return "f-" + path.replace("/", "-")


def _title(schema: dict, key: str) -> str:
    return schema.get("title") or key.replace("_", " ").capitalize()


def ordered_keys(schema: dict, ui: dict) -> list[str]:
    """`ui:order`, with RJSF's "*" standing for the fields it does not name."""
    keys = list(schema.get("properties", {}))
    order = [k for k in ui.get("ui:order", []) if k in keys or k == "*"]
    rest = [k for k in keys if k not in order]
    if "*" not in order:
        return order + rest
    at = order.index("*")
    return order[:at] + rest + order[at + 1:]


def _is_group(schema: dict) -> bool:
    return schema.get("type") == "object" or (schema.get("type") == "array" and "enum" not in schema.get("items", {}))


def _only_objects(schema: dict) -> bool:
    props = schema.get("properties", {}).values()
    return schema.get("type") == "object" and len(props) > 1 and all(p.get("type") == "object" for p in props)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def complete(schema: dict, value: Any) -> bool:
    """Every field the schema requires is answered (see the module's note)."""
    kind = schema.get("type")
    if kind == "object":
        value = value if isinstance(value, dict) else {}
        required = set(schema.get("required", []))
        for key, sub in schema.get("properties", {}).items():
            if sub.get("readOnly"):
                continue
            if sub.get("type") in ("object", "array"):
                if not complete(sub, value.get(key)):
                    return False
            elif key in required and _blank(value.get(key)):
                return False
        return True
    if kind == "array":
        rows = [v for v in (value if isinstance(value, list) else []) if not _blank(v)]
        if len(rows) < schema.get("minItems", 0):
            return False
        return "enum" in schema.get("items", {}) or all(complete(schema.get("items", {}), row) for row in rows)
    return not _blank(value)


def requires_something(schema: dict) -> bool:
    kind = schema.get("type")
    if kind == "object":
        required = set(schema.get("required", []))
        return any(requires_something(sub) if sub.get("type") in ("object", "array")
                   else key in required and not sub.get("readOnly")
                   for key, sub in schema.get("properties", {}).items())
    if kind == "array":
        return schema.get("minItems", 0) >= 1
    return True


def _group_section(schema: dict, value: Any, path: str, key: str) -> Section:
    return Section(section_id(path), _title(schema, key), path, [key], requires_something(schema),
                   complete(schema, value))


def _run_title(titles: list[str]) -> str:
    """"Living arrangements, language preference and literacy"; longer runs end "and more"."""
    rest = [t[0].lower() + t[1:] for t in titles[1:]]
    if len(titles) > 3:
        return f"{titles[0]}, {rest[0]} and more"
    return titles[0] if not rest else ", ".join([titles[0]] + rest[:-1]) + " and " + rest[-1]


def plan(schema: dict, ui: dict, data: dict) -> list[Section]:
    """The form's sections in order, or [] when it is too short to need them."""
    props, data = schema.get("properties", {}), data if isinstance(data, dict) else {}
    required = set(schema.get("required", []))
    named = ui.get("ui:sections") if isinstance(ui.get("ui:sections"), dict) else {}
    group_of = {key: title for title, members in named.items() for key in members}
    sections: list[Section] = []
    run: list[str] = []

    def close_run():
        if not run:
            return
        title = group_of.get(run[0]) or _run_title([_title(props[k], k) for k in run])
        asked = [k for k in run if k in required and not props[k].get("readOnly")]
        sections.append(Section("s-" + run[0], title, "", list(run), bool(asked),
                                all(not _blank(data.get(k)) for k in asked)))
        run.clear()

    for key in ordered_keys(schema, ui):
        sub = props[key]
        if key in group_of or not _is_group(sub):
            if run and group_of.get(run[-1]) != group_of.get(key):
                close_run()  # a differently named run starts
            run.append(key)
            continue
        close_run()
        section = _group_section(sub, data.get(key), key, key)
        if _only_objects(sub):  # a heading: its objects are the sections
            section.children = [_group_section(child, (data.get(key) or {}).get(name), f"{key}/{name}", name)
                                for name, child in sub["properties"].items()]
        sections.append(section)
    close_run()
    return sections if len(leaves(sections)) >= MIN_SECTIONS else []


def leaves(sections: list[Section]) -> list[Section]:
    """The sections that are filled in (a heading's children, not the heading)."""
    return [leaf for s in sections for leaf in (s.children or [s])]


def progress(sections: list[Section]) -> tuple[int, int]:
    counted = [s for s in leaves(sections) if s.counted]
    return sum(s.done for s in counted), len(counted)
