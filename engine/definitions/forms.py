"""Forms: JSON Schema (+ UI schema) files, validated on the server.

The global forms live in forms/; a process model may bring its own (a SpiffArena folder's
`*-schema.json` / `*-uischema.json`), stored with its version and looked up before the
global ones, so two models may each have a form of the same name.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from ..errors import Conflict, InvalidData
from . import task_data_options
from .form_messages import describe
from .input_limits import check_clean

SCHEMA_SUFFIX = ".schema.json"
UI_SUFFIX = ".uischema.json"
MODEL_METADATA = "process_model.json"  # a SpiffArena folder's description of itself, not a form


@dataclass
class Form:
    name: str
    schema: dict
    ui_schema: dict = field(default_factory=dict)
    option_vars: list[str] = field(default_factory=list)  # options_from_task_data_var: choices

    @property
    def title(self) -> str:
        return self.schema.get("title", self.name)

    def shown(self, task_data: dict | None) -> tuple[dict, list[str]]:
        """The schema as the task shows it (choices from the task's data) and the variables missing."""
        return task_data_options.resolve(self.schema, task_data or {})


def form_name(reference: str | None) -> str | None:
    """`contact`, `contact.schema.json` and `forms/contact.schema.json` all name form `contact`;
    SpiffArena's `Submit-the-invoice-schema.json` names `Submit-the-invoice`."""
    if not reference:
        return None
    name = reference.rsplit("/", 1)[-1]
    for suffix in (SCHEMA_SUFFIX, "-schema.json", ".json"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def is_form_file(filename: str) -> bool:
    """A JSON file that travels with a process model as a form (or its UI schema)."""
    name = filename.rsplit("/", 1)[-1]
    return name.lower().endswith(".json") and name != MODEL_METADATA


def is_ui_file(filename: str) -> bool:
    return filename.lower().endswith("uischema.json")


def conventional_ui_file(schema_filename: str) -> str | None:
    """The UI schema found next to a form by name: `x.uischema.json`, `x-uischema.json`."""
    return schema_filename[: -len("schema.json")] + "uischema.json" if schema_filename.endswith("schema.json") else None


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
        self._ui_files: dict[str, dict] = {}  # UI schemas by file name (formUiSchemaFilename)
        self.revision = 0  # counts forms added, for callers that remember what the catalog holds
        # A form file that cannot be read or used: {name: why}. It is left out (models using
        # it are refused at deploy, naming it) so one bad file does not stop everything else.
        self.broken: dict[str, str] = {}
        self.broken_ui: dict[str, str] = {}  # {UI schema file name: why}
        if directory is not None and directory.is_dir():
            self._load([(path.name, path.read_bytes()) for path in sorted(directory.glob("*.json"))])

    def with_local(self, files: list[tuple[str, bytes | str]]) -> "FormCatalog":
        """This catalog with a model's own form files laid over it (theirs win)."""
        layered = FormCatalog(None)
        layered.directory = self.directory
        layered._forms, layered._validators = dict(self._forms), dict(self._validators)
        layered._ui_files, layered.broken, layered.broken_ui = dict(self._ui_files), dict(self.broken), dict(self.broken_ui)
        layered._load([(name, content) for name, content in files if is_form_file(name)])
        return layered

    def _load(self, files: list[tuple[str, bytes | str]]) -> None:
        texts = {}
        for name, content in files:
            try:
                texts[name] = content.decode("utf-8") if isinstance(content, bytes) else content
            except UnicodeDecodeError as exc:
                self._mark_broken(name, str(exc))
        for name, text in texts.items():  # UI schemas first: the forms pick theirs up by name
            if is_ui_file(name):
                try:
                    ui = json.loads(text)
                    if not isinstance(ui, dict):
                        raise ValueError("a UI schema is a JSON object")
                    self._ui_files[name] = ui
                    self.broken_ui.pop(name, None)
                except ValueError as exc:
                    self._ui_files.pop(name, None)
                    self.broken_ui[name] = f"{name}: {_why(exc)}"
        for name, text in texts.items():
            if not is_ui_file(name):
                form = form_name(name)
                try:
                    ui_file = conventional_ui_file(name)
                    if ui_file in self.broken_ui:
                        raise ValueError(self.broken_ui[ui_file])
                    self.add(form, json.loads(text), self._ui_files.get(ui_file, {}))
                    self.broken.pop(form, None)
                except (ValueError, SchemaError) as exc:
                    self._forms.pop(form, None)
                    self._validators.pop(form, None)
                    self.broken[form] = f"{name}: {_why(exc)}"

    def _mark_broken(self, filename: str, why: str) -> None:
        if is_ui_file(filename):
            self.broken_ui[filename] = f"{filename}: {why}"
        else:
            self.broken[form_name(filename)] = f"{filename}: {why}"

    def add(self, name: str, schema: dict, ui_schema: dict | None = None) -> None:
        if not isinstance(schema, dict):
            raise ValueError("a form's schema is a JSON object")
        # A SpiffArena choice list filled from task data is checked open; it is judged once filled.
        checkable = task_data_options.checkable(schema)
        Draft202012Validator.check_schema(checkable)
        self._forms[name] = Form(name, schema, ui_schema or {}, task_data_options.variables(schema))
        self.revision += 1  # what is remembered about the catalog is out of date
        self._validators[name] = Draft202012Validator(checkable, format_checker=FormatChecker())

    def ui_schema(self, name: str | None, ui_filename: str | None = None) -> dict:
        """A form's UI schema: the file the task names (formUiSchemaFilename), else the form's own."""
        if ui_filename:
            return self._ui_files.get(ui_filename.rsplit("/", 1)[-1], {})
        return self._forms[name].ui_schema if name in self._forms else {}

    def has_ui_file(self, ui_filename: str) -> bool:
        return ui_filename.rsplit("/", 1)[-1] in self._ui_files

    def fingerprint(self) -> str:
        """A digest of every form, so checks made against this catalog can be remembered."""
        digest = hashlib.sha256()
        for name in sorted(self._forms):
            digest.update(name.encode() + b"\0" + json.dumps(self._forms[name].schema, sort_keys=True).encode())
        for name in sorted(self._ui_files):  # a task may name a UI schema file
            digest.update(b"ui\0" + name.encode())
        for name in sorted(self.broken):  # a form breaking or mended changes what checks say
            digest.update(b"broken\0" + name.encode() + b"\0" + self.broken[name].encode())
        for name in sorted(self.broken_ui):
            digest.update(b"broken ui\0" + name.encode() + b"\0" + self.broken_ui[name].encode())
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

    def validate(self, name: str | None, data, task_data: dict | None = None) -> None:
        """Raise InvalidData with one detail per failing field. `task_data` fills a form's
        options_from_task_data_var choices, so answers are judged against what was offered."""
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
        form = self.get(name)
        schema, validator = form.schema, self._validators[name]
        if form.option_vars:
            schema, _ = form.shown(task_data)
            validator = Draft202012Validator(schema, format_checker=FormatChecker())
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            details = [describe(error, schema) for error in errors]
            raise InvalidData(f"the {self.get(name).title} form has {len(details)} invalid field(s)", details)
