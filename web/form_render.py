"""HTML forms from a JSON Schema and its UI schema, and the submitted fields back to JSON.

Rendered on the server so that a form works with the keyboard and a screen reader
(labels, fieldsets, hints and errors tied to their fields with aria-describedby) and so
that the server's validation messages appear next to the fields they concern. Field
names are the JSON pointer paths the validator reports ("goals/0/objectives/1/objective").
Repeating groups (goals, tasks, participants) get rows added and removed by
static/app.js from a <template>; without script the rows already rendered still work.
"""
from __future__ import annotations

from typing import Any, Iterable

from markupsafe import Markup, escape

MISSING = object()
ROW_TOKEN = "__IDX{depth}__"


def field_id(path: str) -> str:
    return "f-" + (path.replace("/", "-") or "root")


def _title(schema: dict, key: str) -> str:
    return schema.get("title") or key.replace("_", " ").capitalize()


def _ordered(schema: dict, ui: dict) -> list[str]:
    keys = list(schema.get("properties", {}))
    order = [k for k in ui.get("ui:order", []) if k in keys]
    return order + [k for k in keys if k not in order]


class FormRenderer:
    def __init__(self, schema: dict, ui_schema: dict | None = None, data: dict | None = None,
                 errors: Iterable[dict] = (), read_only: bool = False):
        self.schema = schema or {}
        self.ui = ui_schema or {}
        self.data = data or {}
        self.read_only = read_only
        self.errors: dict[str, list[str]] = {}
        for error in errors:
            self.errors.setdefault(error.get("field", ""), []).append(error.get("message", "invalid"))

    # ------------------------------------------------------------------ public
    def render(self) -> Markup:
        return Markup(self._object_fields(self.schema, self.ui, self.data, "", set(self.schema.get("required", [])), 0))

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
        schema, label = self.schema, "Form"
        for part in [p for p in path.split("/") if p]:
            if part.isdigit():
                label = f"{label} {int(part) + 1}"
                schema = schema.get("items", {})
                continue
            schema = schema.get("properties", {}).get(part, {})
            label = _title(schema, part)
        return label

    # ------------------------------------------------------------------ pieces
    def _describedby(self, path: str, schema: dict) -> tuple[str, str]:
        ids, html = [], ""
        if schema.get("description"):
            ids.append(field_id(path) + "-hint")
            html += f'<p class="hint" id="{ids[-1]}">{escape(schema["description"])}</p>'
        if path in self.errors:
            ids.append(field_id(path) + "-error")
            html += "".join(f'<p class="field-error" id="{ids[-1]}"><span class="visually-hidden">Error:</span> '
                            f'{escape(m)}</p>' for m in self.errors[path])
        attrs = f' aria-describedby="{" ".join(ids)}"' if ids else ""
        if path in self.errors:
            attrs += ' aria-invalid="true"'
        return attrs, html

    def _object_fields(self, schema: dict, ui: dict, data: Any, path: str, required: set, depth: int) -> str:
        data = data if isinstance(data, dict) else {}
        return "".join(self._field(schema["properties"][key], ui.get(key, {}), data.get(key, MISSING),
                                   f"{path}/{key}".strip("/"), key, key in required, depth)
                       for key in _ordered(schema, ui))

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
            described, notes = self._describedby(path, schema)
            inner = self._object_fields(schema, ui, value, path, set(schema.get("required", [])), depth)
            return (f'<fieldset class="group" id="{field_id(path)}"{described}><legend>{title}{marker}</legend>'
                    f'{notes}{inner}</fieldset>')
        if kind == "array":
            return self._array(schema, ui, value, path, title, marker, depth)
        described, notes = self._describedby(path, schema)
        name, fid = escape(path), field_id(path)
        aria_required = ' aria-required="true"' if required else ""
        if kind == "boolean":
            options = "".join(
                f'<label class="choice"><input type="radio" name="{name}" value="{v}" id="{fid}-{v}"'
                f'{" checked" if value is expected else ""}{aria_required}> {label}</label>'
                for v, label, expected in (("true", "Yes", True), ("false", "No", False)))
            return (f'<fieldset class="field choice-group" id="{fid}"{described}><legend>{title}{marker}</legend>'
                    f'{notes}{options}</fieldset>')
        if "enum" in schema:
            labels = schema.get("enumNames") or ui.get("ui:enumNames") or [str(v).replace("_", " ") for v in schema["enum"]]
            if ui.get("ui:widget") == "radio":
                options = "".join(
                    f'<label class="choice"><input type="radio" name="{name}" value="{escape(v)}" '
                    f'id="{fid}-{i}"{" checked" if value == v else ""}{aria_required}> {escape(label)}</label>'
                    for i, (v, label) in enumerate(zip(schema["enum"], labels)))
                return (f'<fieldset class="field choice-group" id="{fid}"{described}><legend>{title}{marker}'
                        f'</legend>{notes}{options}</fieldset>')
            options = '<option value="">Choose…</option>' + "".join(
                f'<option value="{escape(v)}"{" selected" if value == v else ""}>{escape(label)}</option>'
                for v, label in zip(schema["enum"], labels))
            control = f'<select name="{name}" id="{fid}"{described}{aria_required}>{options}</select>'
        elif ui.get("ui:widget") == "textarea":
            text = "" if value is MISSING or value is None else value
            control = f'<textarea name="{name}" id="{fid}" rows="4"{described}{aria_required}>{escape(text)}</textarea>'
        else:
            input_type = {"date": "date", "email": "email", "date-time": "datetime-local"}.get(
                schema.get("format"), "number" if kind in ("number", "integer") else "text")
            step = ' step="1"' if kind == "integer" else (' step="any"' if kind == "number" else "")
            text = "" if value is MISSING or value is None else value
            control = (f'<input type="{input_type}" name="{name}" id="{fid}" value="{escape(text)}"'
                       f'{step}{described}{aria_required}>')
        return (f'<div class="field{" has-error" if path in self.errors else ""}">'
                f'<label for="{fid}">{title}{marker}</label>{notes}{control}</div>')

    def _array(self, schema: dict, ui: dict, value: Any, path: str, title: Markup, marker: str, depth: int) -> str:
        items = schema.get("items", {})
        described, notes = self._describedby(path, schema)
        values = value if isinstance(value, list) else []
        fid = field_id(path)
        if "enum" in items:  # a multiple choice
            labels = [str(v).replace("_", " ") for v in items["enum"]]
            boxes = "".join(
                f'<label class="choice"><input type="checkbox" name="{escape(path)}" value="{escape(v)}" '
                f'id="{fid}-{i}"{" checked" if v in values else ""}> {escape(label)}</label>'
                for i, (v, label) in enumerate(zip(items["enum"], labels)))
            return (f'<fieldset class="field choice-group" id="{fid}"{described}><legend>{title}{marker}</legend>'
                    f'{notes}{boxes}</fieldset>')
        item_title = escape(items.get("title") or "Item")
        rows = max(len(values), schema.get("minItems", 0), 1 if not self.read_only else 0)
        body = "".join(self._row(items, ui.get("items", {}), values[i] if i < len(values) else MISSING,
                                 f"{path}/{i}", item_title, str(i + 1), depth) for i in range(rows))
        if self.read_only:
            return (f'<fieldset class="group repeat" id="{fid}"><legend>{title}</legend>'
                    f'{body or "<p>—</p>"}</fieldset>')
        token = ROW_TOKEN.format(depth=depth)
        template = self._row(items, ui.get("items", {}), MISSING, f"{path}/{token}", item_title, "", depth)
        return (f'<fieldset class="group repeat" id="{fid}" data-depth="{depth}" data-next="{rows}"{described}>'
                f'<legend>{title}{marker}</legend>{notes}<div class="rows">{body}</div>'
                f'<template>{template}</template>'
                f'<button type="button" class="secondary add-row">Add {item_title.lower()}</button></fieldset>')

    def _row(self, items: dict, ui: dict, value: Any, path: str, item_title: Markup, number: str, depth: int) -> str:
        remove = "" if self.read_only else (
            f'<button type="button" class="link remove-row">Remove {item_title.lower()}'
            f'<span class="visually-hidden"> {number}</span></button>')
        if items.get("type") == "object":
            inner = self._object_fields(items, ui, value, path, set(items.get("required", [])), depth + 1)
        else:
            inner = self._field(items, ui, value, path, "", False, depth + 1)
        return (f'<fieldset class="row"><legend>{item_title} <span class="row-number">{number}</span></legend>'
                f'{inner}{remove}</fieldset>')


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
        if "enum" in items:
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
