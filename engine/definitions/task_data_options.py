"""SpiffArena's `options_from_task_data_var:VAR` choices, filled in from a task's data.

A SpiffArena form leaves a choice list to the case: `"enum": ["options_from_task_data_var:cities"]`
or `"anyOf"`/`"oneOf": ["options_from_task_data_var:cities"]`, and a script before the task sets
`cities` to `[{"value", "label"}, …]` or to plain values. The form is shown and its answers are
judged against the same resolved list, so a value the case did not offer is refused.
"""
from __future__ import annotations

import copy

PREFIX = "options_from_task_data_var:"
_CHOICE_KEYS = ("enum", "anyOf", "oneOf")


def _variable(value) -> str | None:
    """VAR when `value` is the one-element placeholder list, else None."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str) and value[0].startswith(PREFIX):
        return value[0][len(PREFIX):].strip() or None
    return None


def _walk(node, visit) -> None:
    """Call visit(holder, key, variable) for each placeholder, depth first."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            variable = _variable(value) if key in _CHOICE_KEYS else None
            if variable is not None:
                visit(node, key, variable)
            else:
                _walk(value, visit)
    elif isinstance(node, list):
        for item in node:
            _walk(item, visit)


def variables(schema: dict) -> list[str]:
    """The task-data variables a schema takes choices from, in order of appearance."""
    found: list[str] = []
    _walk(schema, lambda holder, key, var: found.append(var) if var not in found else None)
    return found


def checkable(schema: dict) -> dict:
    """The schema with each placeholder open, for checking that the file is JSON Schema at all
    (an `anyOf` of strings is not one); the choices are judged once they are resolved."""
    if not variables(schema):
        return schema
    opened = copy.deepcopy(schema)

    def open_up(holder: dict, key: str, _var: str) -> None:
        holder[key] = [{}] if key != "enum" else holder[key]

    _walk(opened, open_up)
    return opened


def _options(raw) -> list[tuple[object, str]] | None:
    """(value, label) pairs from `[{"value", "label"}]` or plain values; None when unusable."""
    if not isinstance(raw, list):
        return None
    pairs = []
    for item in raw:
        if isinstance(item, dict):
            if "value" not in item:
                return None
            pairs.append((item["value"], str(item.get("label", item["value"]))))
        elif isinstance(item, (str, int, float, bool)) or item is None:
            pairs.append((item, str(item)))
        else:
            return None
    return pairs


def resolve(schema: dict, data: dict) -> tuple[dict, list[str]]:
    """(the schema with every placeholder replaced by the data's options, the variables the data
    lacks or holds in an unusable shape). A missing list offers no choice, so nothing passes."""
    if not variables(schema):
        return schema, []
    resolved, missing = copy.deepcopy(schema), []

    def fill(holder: dict, key: str, var: str) -> None:
        pairs = _options((data or {}).get(var))
        if pairs is None:
            missing.append(var)
            pairs = []
        if key == "enum":
            holder["enum"] = [value for value, _ in pairs]
            holder["enumNames"] = [label for _, label in pairs]  # RJSF's labels for an enum
        else:  # SpiffArena's own shape: one single-value choice per option, titled with its label
            holder[key] = [{**({"type": "string"} if isinstance(value, str) else {}), "enum": [value], "title": label}
                           for value, label in pairs] or [{"enum": []}]

    _walk(resolved, fill)
    return resolved, missing
