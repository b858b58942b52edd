"""jsonschema's complaints in the words a case manager reads beside a field.

jsonschema speaks JSON ("[] should be non-empty", "'frequency' is a required property");
a form speaks of its own things, and a repeating item by its title and ordinal:
"Goal 2 needs at least one objective", "this field is required for objective 1 of goal 2".
"""
from __future__ import annotations

from jsonschema import ValidationError

REQUIRED = "this field is required"


def _title(schema: dict, fallback: str) -> str:
    return schema.get("title") or fallback.replace("_", " ")


def _items_along(schema: dict, parts: list) -> list[str]:
    """'goal 2', 'objective 1': each repeating item the path passes through, outermost first."""
    names, node = [], schema
    for part in parts:
        if isinstance(part, int) or str(part).isdigit():
            node = node.get("items", {}) if isinstance(node.get("items"), dict) else {}
            names.append(f"{_title(node, 'item').lower()} {int(part) + 1}")
        else:
            node = node.get("properties", {}).get(part, {})
    return names


def _owner(schema: dict, parts: list) -> str:
    """'objective 1 of goal 2' (innermost first), or '' outside any repeating item."""
    return " of ".join(reversed(_items_along(schema, parts)))


def _at_least(schema: dict, parts: list, array: dict, count: int) -> str:
    item = _title(array.get("items", {}) if isinstance(array.get("items"), dict) else {}, "item").lower()
    amount = "one" if count == 1 else str(count)
    things = item if count == 1 else f"{item}s"
    owner = _owner(schema, parts)
    if owner:
        return f"{owner[0].upper()}{owner[1:]} needs at least {amount} {things}"
    return f"add at least {amount} {things}"


def _required(schema: dict, parts: list) -> str:
    owner = _owner(schema, parts)
    return f"{REQUIRED} for {owner}" if owner else REQUIRED


def _is_choice_list(options) -> bool:
    """anyOf/oneOf used as a labelled list of single values (SpiffArena's resolved choices)."""
    return isinstance(options, list) and all(isinstance(o, dict) and ("const" in o or len(o.get("enum", [])) <= 1)
                                             for o in options)


def describe(error: ValidationError, schema: dict) -> dict:
    """One detail, {field, message}, for one jsonschema error against the form's schema."""
    parts = list(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        field = (error.schema.get("properties") or {}).get(missing, {})
        message = (_at_least(schema, parts, field, field["minItems"])
                   if field.get("type") == "array" and field.get("minItems", 0) >= 1
                   else _required(schema, parts))
        parts.append(missing)
    elif error.validator == "minItems" and isinstance(error.instance, list):
        message = _at_least(schema, parts, error.schema, error.validator_value)
    elif error.validator == "minLength" and error.instance == "":
        message = _required(schema, parts)
    elif error.validator in ("anyOf", "oneOf") and _is_choice_list(error.validator_value):
        message = f"{error.instance!r} is not one of the choices offered"
    else:
        message = error.message
    return {"field": "/".join(str(p) for p in parts if p != ""), "message": message}
