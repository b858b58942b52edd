"""Forms: JSON Schema (+ UI schema) files in forms/, validated on the server."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from ..errors import Conflict, InvalidData
from .form_messages import describe
from .input_limits import check_clean

SCHEMA_SUFFIX = ".schema.json"
UI_SUFFIX = ".uischema.json"


@dataclass
class Form:
    name: str
    schema: dict
    ui_schema: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.schema.get("title", self.name)


def form_name(reference: str | None) -> str | None:
    """`contact`, `contact.schema.json` and `forms/contact.schema.json` all name form `contact`."""
    if not reference:
        return None
    name = reference.rsplit("/", 1)[-1]
    return name[: -len(SCHEMA_SUFFIX)] if name.endswith(SCHEMA_SUFFIX) else name.removesuffix(".json")


def _why(exc: Exception) -> str:
    if isinstance(exc, SchemaError):
        where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
        return f"not a JSON Schema casepath can use (at {where}: {exc.message})"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
    return str(exc)


class FormCatalog:
    def __init__(self, directory: Path | None):
        self.directory = directory
        self._forms: dict[str, Form] = {}
        self._validators: dict[str, Draft202012Validator] = {}
        # A form file that cannot be read or used: {name: why}. It is left out (models using
        # it are refused at deploy, naming it) so one bad file does not stop everything else.
        self.broken: dict[str, str] = {}
        if directory is not None and directory.is_dir():
            for path in sorted(directory.glob(f"*{SCHEMA_SUFFIX}")):
                name = path.name[: -len(SCHEMA_SUFFIX)]
                try:
                    self.add(name, json.loads(path.read_text()), self._ui_schema(path))
                except (ValueError, SchemaError, OSError) as exc:
                    self.broken[name] = f"{path.name}: {_why(exc)}"

    def _ui_schema(self, schema_path: Path) -> dict:
        ui_path = schema_path.with_name(schema_path.name.replace(SCHEMA_SUFFIX, UI_SUFFIX))
        return json.loads(ui_path.read_text()) if ui_path.exists() else {}

    def add(self, name: str, schema: dict, ui_schema: dict | None = None) -> None:
        Draft202012Validator.check_schema(schema)
        self._forms[name] = Form(name, schema, ui_schema or {})
        self._validators[name] = Draft202012Validator(schema, format_checker=FormatChecker())

    def fingerprint(self) -> str:
        """A digest of every form, so checks made against this catalog can be remembered."""
        digest = hashlib.sha256()
        for name in sorted(self._forms):
            digest.update(name.encode() + b"\0" + json.dumps(self._forms[name].schema, sort_keys=True).encode())
        for name in sorted(self.broken):  # a form breaking or mended changes what checks say
            digest.update(b"broken\0" + name.encode() + b"\0" + self.broken[name].encode())
        return digest.hexdigest()

    def names_with_field(self, field_name: str) -> list[str]:
        """The forms whose answers carry `field_name` at the top level (e.g. releases)."""
        return [name for name in self.names() if field_name in self._forms[name].schema.get("properties", {})]

    def __contains__(self, name: str | None) -> bool:
        return name in self._forms

    def names(self) -> list[str]:
        return sorted(self._forms)

    def get(self, name: str) -> Form:
        return self._forms[name]

    def undeclared(self, name: str | None, data: dict) -> list[str]:
        """Top-level answers the form does not declare (a task without a form declares none),
        unless its schema explicitly allows other properties."""
        if name is None:
            return sorted(str(key) for key in data)
        schema = self._forms[name].schema
        if schema.get("additionalProperties") not in (None, False):
            return []
        declared = schema.get("properties", {})
        return sorted(str(key) for key in data if key not in declared)

    def validate(self, name: str | None, data) -> None:
        """Raise InvalidData with one detail per failing field."""
        if not isinstance(data, dict):
            raise InvalidData("form data must be a JSON object",
                              [{"field": "", "message": "expected an object"}])
        check_clean(data, "the form")
        if name is not None and name not in self._forms:
            # A form named by a diagram or a record kind but missing (or broken) here: say so,
            # never a KeyError; nothing is saved.
            why = f" ({self.broken[name]})" if name in self.broken else ""
            raise Conflict(f"the form '{name}' is not available on this server{why}; nothing was saved")
        undeclared = self.undeclared(name, data)
        if undeclared:
            # Form data is data, not engine state: an answer the form does not ask for could
            # overwrite what the diagram's rules and scripts decided (acuity, contact_interval).
            form = self.get(name).title if name in self else "this task"
            raise InvalidData(f"{form} has no field{'s' if len(undeclared) > 1 else ''} "
                              f"{', '.join(repr(f) for f in undeclared)}; nothing was saved",
                              [{"field": f, "message": "this form has no such field"} for f in undeclared])
        if name is None:
            return
        validator = self._validators[name]
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            details = [describe(error, self.get(name).schema) for error in errors]
            raise InvalidData(f"the {self.get(name).title} form has {len(details)} invalid field(s)", details)
