"""HTML forms from a JSON Schema and its UI schema, and the submitted fields back to JSON.

Rendered on the server so that a form works with the keyboard and a screen reader
(labels, fieldsets, hints and errors tied to their fields with aria-describedby) and so
that the server's validation messages appear next to the fields they concern. Field
names are the JSON pointer paths the validator reports ("goals/0/objectives/1/objective").
Repeating groups (goals, tasks, participants) get rows added and removed by
static/app.js from a <template>; without script the rows already rendered still work.
A long form is cut into sections (web/form_sections.py) that the task page outlines.

Choice fields are an `enum` or a `oneOf`/`anyOf` of titled single values (see `choices`).
UI schema keys honoured (RJSF's names): `ui:order` (with "*"), `ui:widget` (textarea, radio,
checkboxes, select, date), `ui:help`, `ui:placeholder`, `ui:options.rows`, `ui:enumNames`,
and `ui:sections` (names for runs of plain fields, see form_sections).
"""
from __future__ import annotations

from typing import Any, Iterable

from markupsafe import Markup, escape

from .form_sections import Section, leaves, ordered_keys, plan, progress

MISSING = object()
ROW_TOKEN = "__IDX{depth}__"


def field_id(path: str) -> str:
    return "f-" + (path.replace("/", "-") or "root")


def _title(schema: dict, key: str) -> str:
    return schema.get("title") or key.replace("_", " ").capitalize()


def _ordinal_label(schema: dict, path: str) -> str:
    """"Goal 1 › Objective 2 › How often": a field named with the items it sits in, so that
    the error summary tells goal 1's target date from goal 2's."""
    parts, node = [], schema
    for part in [p for p in path.split("/") if p]:
        if part.isdigit():
            node = node.get("items", {})
            parts[-1:] = [f"{node.get('title') or 'Item'} {int(part) + 1}"]  # "Goal 2" says "Goals"
        else:
            node = node.get("properties", {}).get(part, {})
            parts.append(_title(node, part))
    return " › ".join(parts) or "Form"


def choices(schema: dict, ui: dict | None = None) -> tuple[list, list] | None:
    """(values, labels) of a choice field: an `enum` (labels from enumNames or ui:enumNames), or
    a `oneOf`/`anyOf` of single values with titles (RJSF's labelled enum, SpiffArena's resolved
    options_from_task_data_var lists); None for any other field."""
    if "enum" in schema:
        values = schema["enum"]
        labels = schema.get("enumNames") or (ui or {}).get("ui:enumNames") or [str(v).replace("_", " ") for v in values]
        return values, labels
    for key in ("oneOf", "anyOf"):
        options = schema.get(key)
        if isinstance(options, list) and options and all(
                isinstance(o, dict) and ("const" in o or len(o.get("enum") or []) <= 1) for o in options):
            offered = [o for o in options if "const" in o or o.get("enum")]
            values = [o["const"] if "const" in o else o["enum"][0] for o in offered]
            return values, [str(o.get("title", v)) for o, v in zip(offered, values)]
    return None


class FormRenderer:
    def __init__(self, schema: dict, ui_schema: dict | None = None, data: dict | None = None,
                 errors: Iterable[dict] = (), read_only: bool = False, sectioned: bool = True):
        self.schema = schema or {}
        self.ui = ui_schema or {}
        self.data = data or {}
        self.read_only = read_only
        self.errors: dict[str, list[str]] = {}
        for error in errors:
            self.errors.setdefault(error.get("field", ""), []).append(error.get("message", "invalid"))
        self.sections: list[Section] = plan(self.schema, self.ui, self.data) if sectioned else []
        self._sections_by_path = {s.path: s for top in self.sections for s in [top, *top.children] if s.path}
        for section in self._sections_by_path.values():
            section.has_error = any(p == section.path or p.startswith(section.path + "/") for p in self.errors)
        for section in self.sections:
            if not section.path:
                section.has_error = any(p.split("/")[0] in section.keys for p in self.errors)

    # ------------------------------------------------------------------ public
    def render(self) -> Markup:
        required = set(self.schema.get("required", []))
        if not self.sections:
            return Markup(self._object_fields(self.schema, self.ui, self.data, "", required, 0))
        html = []
        for section in self.sections:
            if section.path:
                html.append(self._object_fields(self.schema, self.ui, self.data, "", required, 0, section.keys))
            else:  # a run of plain fields, held together under the section's legend
                counted = "true" if section.counted else "false"
                html.append(f'<fieldset class="group form-section" id="{section.id}" data-counted="{counted}">'
                            f'<legend>{escape(section.title)}</legend>'
                            f'{self._object_fields(self.schema, self.ui, self.data, "", required, 0, section.keys)}'
                            f'</fieldset>')
        return Markup("".join(html))

    def progress(self) -> tuple[int, int]:
        return progress(self.sections)

    @property
    def current_section(self) -> str:
        """The outline's current entry: the first section with a problem, else the first."""
        entries = leaves(self.sections)
        return next((s.id for s in entries if s.has_error), entries[0].id if entries else "")

    def error_summary(self) -> Markup:
        """GOV.UK-style summary: every error, each a link to its field."""
        if not self.errors:
            return Markup("")
        items = "".join(
            f'<li><a href="#{field_id(path)}">{escape(self._label_for(path))}: {escape(message)}</a></li>'
            for path, messages in self.errors.items() for message in messages)
        return Markup(f'<div class="error-summary" role="alert" tabindex="-1" id="error-summary">'
                      f'<h2>There is a problem</h2><ul>{items}</ul></div>')

    def _label_for(self, path: str) -> str:
        return _ordinal_label(self.schema, path)

    def _section_attrs(self, path: str) -> str:
        """A section's fieldset says so, for the outline's links and app.js's progress."""
        section = self._sections_by_path.get(path)
        if section is None or section.children:
            return ""
        return f' data-section="true" data-counted="{"true" if section.counted else "false"}"'

    # ------------------------------------------------------------------ pieces
    def _describedby(self, path: str, schema: dict, ui: dict | None = None) -> tuple[str, str]:
        ids, html = [], ""
        if schema.get("description"):
            ids.append(field_id(path) + "-hint")
            html += f'<p class="hint" id="{ids[-1]}">{escape(schema["description"])}</p>'
        if (ui or {}).get("ui:help"):
            ids.append(field_id(path) + "-help")
            html += f'<p class="hint help" id="{ids[-1]}">{escape(ui["ui:help"])}</p>'
        if path in self.errors:
            ids.append(field_id(path) + "-error")
            html += "".join(f'<p class="field-error" id="{ids[-1]}"><span class="visually-hidden">Error:</span> '
                            f'{escape(m)}</p>' for m in self.errors[path])
        attrs = f' aria-describedby="{" ".join(ids)}"' if ids else ""
        if path in self.errors:
            attrs += ' aria-invalid="true"'
        return attrs, html

    def _object_fields(self, schema: dict, ui: dict, data: Any, path: str, required: set, depth: int,
                       only: list[str] | None = None) -> str:
        data = data if isinstance(data, dict) else {}
        return "".join(self._field(schema["properties"][key], ui.get(key, {}), data.get(key, MISSING),
                                   f"{path}/{key}".strip("/"), key, key in required, depth)
                       for key in ordered_keys(schema, ui) if only is None or key in only)

    def _field(self, schema: dict, ui: dict, value: Any, path: str, key: str, required: bool, depth: int) -> str:
        kind = schema.get("type")
        title = escape(_title(schema, key))
        marker = ' <span class="required" aria-hidden="true">*</span>' if required else ""
        if schema.get("readOnly") or self.read_only and kind not in ("object", "array"):
            shown = "—" if value in (MISSING, None, "") else value
            if isinstance(shown, bool):
                shown = "Yes" if shown else "No"
            return (f'<div class="field read-only"><span class="label">{title}</span>'
                    f'<p class="value" id="{field_id(path)}">{escape(shown)}</p></div>')
        if kind == "object":
            described, notes = self._describedby(path, schema, ui)
            inner = self._object_fields(schema, ui, value, path, set(schema.get("required", [])), depth)
            return (f'<fieldset class="group{self._error_class(path)}" id="{field_id(path)}"{described}'
                    f'{self._section_attrs(path)}><legend>{title}{marker}</legend>{notes}{inner}</fieldset>')
        if kind == "array":
            return self._array(schema, ui, value, path, title, marker, depth)
        described, notes = self._describedby(path, schema, ui)
        name, fid = escape(path), field_id(path)
        aria_required = ' aria-required="true"' if required else ""
        widget = ui.get("ui:widget")
        placeholder = f' placeholder="{escape(ui["ui:placeholder"])}"' if ui.get("ui:placeholder") else ""
        if kind == "boolean":
            options = "".join(
                f'<label class="choice"><input type="radio" name="{name}" value="{v}" id="{fid}-{v}"'
                f'{" checked" if value is expected else ""}{aria_required}> {label}</label>'
                for v, label, expected in (("true", "Yes", True), ("false", "No", False)))
            return (f'<fieldset class="field choice-group{self._error_class(path)}" id="{fid}"{described}>'
                    f'<legend>{title}{marker}</legend>{notes}{options}</fieldset>')
        offered = choices(schema, ui)
        if offered is not None:
            values, labels = offered
            if widget == "radio":
                options = "".join(
                    f'<label class="choice"><input type="radio" name="{name}" value="{escape(v)}" '
                    f'id="{fid}-{i}"{" checked" if value == v else ""}{aria_required}> {escape(label)}</label>'
                    for i, (v, label) in enumerate(zip(values, labels)))
                return (f'<fieldset class="field choice-group{self._error_class(path)}" id="{fid}"{described}>'
                        f'<legend>{title}{marker}</legend>{notes}{options}</fieldset>')
            options = '<option value="">Choose…</option>' + "".join(
                f'<option value="{escape(v)}"{" selected" if value == v else ""}>{escape(label)}</option>'
                for v, label in zip(values, labels))
            control = f'<select name="{name}" id="{fid}"{described}{aria_required}>{options}</select>'
        elif widget == "textarea":
            text = "" if value is MISSING or value is None else value
            rows = int((ui.get("ui:options") or {}).get("rows", 4))
            control = (f'<textarea name="{name}" id="{fid}" rows="{rows}"{placeholder}{described}{aria_required}>'
                       f'{escape(text)}</textarea>')
        else:
            fmt = "date" if widget == "date" else schema.get("format")
            input_type = {"date": "date", "email": "email", "date-time": "datetime-local"}.get(
                fmt, "number" if kind in ("number", "integer") else "text")
            step = ' step="1"' if kind == "integer" else (' step="any"' if kind == "number" else "")
            text = "" if value is MISSING or value is None else value
            control = (f'<input type="{input_type}" name="{name}" id="{fid}" value="{escape(text)}"'
                       f'{step}{placeholder}{described}{aria_required}>')
        return (f'<div class="field{self._error_class(path)}">'
                f'<label for="{fid}">{title}{marker}</label>{notes}{control}</div>')

    def _error_class(self, path: str) -> str:
        return " has-error" if path in self.errors else ""

    def _array(self, schema: dict, ui: dict, value: Any, path: str, title: Markup, marker: str, depth: int) -> str:
        items = schema.get("items", {})
        described, notes = self._describedby(path, schema, ui)
        values = value if isinstance(value, list) else []
        fid = field_id(path)
        least = schema.get("minItems", 0)
        minimum = f' data-min="{least}"' if least else ""
        offered = choices(items, ui.get("items", {}))
        if offered is not None:  # a multiple choice (RJSF's "checkboxes", the only widget for it here)
            boxes = "".join(
                f'<label class="choice"><input type="checkbox" name="{escape(path)}" value="{escape(v)}" '
                f'id="{fid}-{i}"{" checked" if v in values else ""}> {escape(label)}</label>'
                for i, (v, label) in enumerate(zip(*offered)))
            return (f'<fieldset class="field choice-group{self._error_class(path)}" id="{fid}"{minimum}'
                    f'{described}><legend>{title}{marker}</legend>{notes}{boxes}</fieldset>')
        item_title = escape(items.get("title") or "Item")
        rows = max(len(values), least, 1 if not self.read_only else 0)
        body = "".join(self._row(items, ui.get("items", {}), values[i] if i < len(values) else MISSING,
                                 f"{path}/{i}", item_title, str(i + 1), depth) for i in range(rows))
        section = self._section_attrs(path)
        if self.read_only:
            return (f'<fieldset class="group repeat" id="{fid}"{section}><legend>{title}</legend>'
                    f'{body or "<p>—</p>"}</fieldset>')
        token = ROW_TOKEN.format(depth=depth)
        # A new row is the template: one row of each group it holds that needs one
        # (a goal comes with its first objective).
        template = self._row(items, ui.get("items", {}), MISSING, f"{path}/{token}", item_title, "", depth)
        return (f'<fieldset class="group repeat{self._error_class(path)}" id="{fid}" data-depth="{depth}" '
                f'data-next="{rows}"{minimum}{section}{described}>'
                f'<legend>{title}{marker}</legend>{notes}<div class="rows">{body}</div>'
                f'<template>{template}</template>'
                f'<button type="button" class="secondary add-row">Add {item_title.lower()}</button></fieldset>')

    def _row(self, items: dict, ui: dict, value: Any, path: str, item_title: Markup, number: str, depth: int) -> str:
        remove = "" if self.read_only else (
            f'<button type="button" class="link remove-row">Remove {item_title.lower()}'
            f'<span class="visually-hidden"> {number}</span></button>')
        if items.get("type") == "object":
            # A rule about the row as a whole (a participant who holds no task) is shown on the row.
            described, notes = self._describedby(path, {})
            inner = self._object_fields(items, ui, value, path, set(items.get("required", [])), depth + 1)
            attrs = f' class="row{self._error_class(path)}" id="{field_id(path)}"{described}'
        else:  # the row's one field carries the id and the message
            notes, inner, attrs = "", self._field(items, ui, value, path, "", False, depth + 1), ' class="row"'
        return (f'<fieldset{attrs}><legend>{item_title} <span class="row-number">{number}</span></legend>'
                f'{notes}{inner}{remove}</fieldset>')


# ---------------------------------------------------------------------- parsing
def parse_form(schema: dict, fields) -> dict:
    """The submitted fields (a MultiDict) as the JSON the schema describes. Empty inputs are
    left out, so "required" and format checks speak for them; the validator judges the rest."""
    value = _parse(schema, fields, "", True)
    return value if isinstance(value, dict) else {}


def _parse(schema: dict, fields, path: str, required: bool):
    if schema.get("readOnly"):
        return MISSING
    kind = schema.get("type")
    if kind == "object":
        result = {}
        for key, sub in schema.get("properties", {}).items():
            value = _parse(sub, fields, f"{path}/{key}".strip("/"), key in schema.get("required", []))
            if value is not MISSING:
                result[key] = value
        return result if result or required else MISSING
    if kind == "array":
        items = schema.get("items", {})
        if choices(items) is not None:
            chosen = fields.getlist(path)
            return chosen if chosen or required else MISSING
        prefix = path + "/"
        indexes = sorted({int(k[len(prefix):].split("/")[0]) for k in fields
                          if k.startswith(prefix) and k[len(prefix):].split("/")[0].isdigit()})
        values = []
        for index in indexes:
            value = _parse(items, fields, f"{path}/{index}", False)
            if value is not MISSING and value != {}:
                values.append(value)
        return values if values or required else MISSING
    raw = fields.get(path)
    if raw is None:
        return MISSING
    raw = raw.strip() if isinstance(raw, str) else raw
    if raw == "":
        return MISSING
    if kind == "boolean":
        return {"true": True, "false": False, "on": True}.get(raw, raw)
    if kind in ("number", "integer"):
        try:
            number = float(raw)
        except ValueError:
            return raw  # the validator says it is not a number
        return int(number) if kind == "integer" and number.is_integer() else number
    return raw
