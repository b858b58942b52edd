"""A process model's files, checked and parsed: what deploys, and the specs cases run on.

Parsing the lifecycle (100 KB of BPMN, its DMN and called processes) costs about a
second, so both results are remembered for the life of the process, keyed by the
files' content hash: a version's files never change, and several engines in one
process (the web app and the worker, or a test run) share one parse.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

from ..errors import DeploymentInvalid
from .checks import MAX_ID_LENGTH, check_data, check_specs, check_warnings, check_xml
from .forms import MODEL_METADATA, FormCatalog, form_name, is_form_file
from .loader import DEFAULT_MAX_FILE_BYTES, ParsedFiles, build_specs, load_files, problem, spiff_problems
from .timer_checks import DEFAULT_TIMER_MINIMUM, parse_minimum

_CACHE_SIZE = 256


class _SharedCache:
    """A small, thread-safe LRU shared by every catalog in the process."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_CHECKED = _SharedCache(_CACHE_SIZE)  # (files, forms, limits) -> ParsedFiles or DeploymentInvalid
_SPECS = _SharedCache(_CACHE_SIZE)    # (content hash, process id) -> (spec, subprocess specs)


def content_hash(files: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for name, text in sorted(files):
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()


def _files_key(files: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, content in sorted(files):
        digest.update(name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()


def split_files(files: list[tuple[str, bytes | str]]) -> tuple[list, list]:
    """(diagrams, form files) of a model's files; a SpiffArena process_model.json is neither."""
    diagrams = [(n, c) for n, c in files if not is_form_file(n) and n.rsplit("/", 1)[-1] != MODEL_METADATA]
    return diagrams, [(n, c) for n, c in files if is_form_file(n)]


def read_path(path: Path) -> list[tuple[str, bytes]]:
    """The BPMN, DMN and form (JSON) files at a path (a file or a folder, e.g. a SpiffArena
    process-model folder: its process_model.json describes it and is left out)."""
    if path.is_dir():
        paths = sorted([*path.glob("*.bpmn"), *path.glob("*.dmn"),
                        *[p for p in path.glob("*.json") if p.name != MODEL_METADATA]])
    elif path.exists():
        paths = [path]
    else:
        raise DeploymentInvalid(f"{path} does not exist", [problem(None, f"no file or folder at {path}")])
    return [(p.name, p.read_bytes()) for p in paths]


class ProcessCatalog:
    def __init__(self, forms: FormCatalog, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
                 timer_minimum: str = DEFAULT_TIMER_MINIMUM):
        parse_minimum(timer_minimum)  # a bad setting fails here, not at the first deploy
        self.forms = forms
        self.max_file_bytes = max_file_bytes
        self.timer_minimum = timer_minimum
        self._model_forms: dict[str, FormCatalog] = {}

    def forms_of(self, files: list[tuple[str, bytes | str]]) -> FormCatalog:
        """The forms a model's tasks see: its own form files first, then the global ones."""
        _, form_files = split_files(files)
        if not form_files:
            return self.forms
        key = _files_key([(n, c.encode("utf-8") if isinstance(c, str) else c) for n, c in form_files])
        known = self._model_forms.get(key)
        if known is None:
            known = self._model_forms[key] = self.forms.with_local(form_files)
        return known

    def validate(self, files: list[tuple[str, bytes]]) -> ParsedFiles:
        """Run every deploy check; return the parsed files (with their warnings) or raise DeploymentInvalid."""
        key = (_files_key(files), self.forms.fingerprint(), self.max_file_bytes, self.timer_minimum)
        known = _CHECKED.get(key)
        if known is None:
            try:
                known = self._check(files)
            except DeploymentInvalid as invalid:
                known = invalid
            _CHECKED.put(key, known)
        if isinstance(known, DeploymentInvalid):
            raise DeploymentInvalid(known.message, [dict(d) for d in known.details],
                                    [dict(w) for w in known.warnings])
        return known

    def _check(self, files: list[tuple[str, bytes]]) -> ParsedFiles:
        diagrams, form_files = split_files(files)
        forms = self.forms_of(files)
        problems = self._form_file_problems(form_files, forms)
        try:
            parsed = load_files(diagrams, self.max_file_bytes)
        except DeploymentInvalid as invalid:  # say what is wrong with the forms too
            raise DeploymentInvalid(invalid.message, problems + invalid.details, invalid.warnings) from None
        parsed.form_files = sorted(name for name, _ in form_files)
        parsed.warnings = check_warnings(parsed)
        problems.extend(check_xml(parsed, self.timer_minimum))
        hazards = check_data(parsed)
        problems.extend(hazards)
        if hazards:  # SpiffWorkflow would loop forever on some of these: it never sees them
            return self._outcome(problems, parsed)
        spiff = spiff_problems(parsed)
        # SpiffWorkflow stops at the first thing it cannot build and says it in its own words;
        # an element casepath's checks already named needs no second, vaguer problem.
        named = {p["element_id"] for p in problems}
        problems.extend([p for p in spiff if p["element_id"] not in named and (p["element_id"] or not problems)])
        if spiff:  # the specs are half-built: the checks below would see only part of them
            return self._outcome(problems, parsed)
        for process_id in parsed.top_level_process_ids():
            if len(process_id) > MAX_ID_LENGTH:  # process_versions.model_id
                problems.append(problem(process_id[:60] + "…", f"the process id is longer than {MAX_ID_LENGTH} "
                                                               "characters; shorten it"))
                continue
            try:
                spec, subprocess_specs = build_specs(parsed, process_id)
            except DeploymentInvalid as exc:
                problems.extend(exc.details)
                continue
            problems.extend(check_specs(spec, subprocess_specs, forms))
        return self._outcome(problems, parsed)

    def _form_file_problems(self, form_files: list, forms: FormCatalog) -> list[dict]:
        """A form file that travels with the model must be usable, used by a task or not."""
        found = []
        for name, content in form_files:
            if len(content) > self.max_file_bytes:
                found.append(problem(None, f"the form file is larger than {self.max_file_bytes // (1024 * 1024)} MB",
                                     name))
            why = forms.broken_ui.get(name) or forms.broken.get(form_name(name))
            if why and why.startswith(name + ":"):
                found.append(problem(None, f"the form file cannot be used: {why.split(': ', 1)[1]}", name))
        return found

    @staticmethod
    def _outcome(problems: list[dict], parsed: ParsedFiles) -> ParsedFiles:
        """Raise DeploymentInvalid when there are problems (each once), else hand back the files."""
        unique = []
        for item in problems:
            if item not in unique:
                unique.append(item)
        if unique:
            raise DeploymentInvalid(f"the process model has {len(unique)} problem(s); nothing was deployed", unique,
                                    parsed.warnings)
        return parsed

    def specs(self, model_id: str, files: list[tuple[str, str]]) -> tuple:
        """(spec, subprocess_specs) of a stored version's files, parsed once per process."""
        key = (content_hash(files), model_id)
        cached = _SPECS.get(key)
        if cached is None:
            encoded = [(name, text.encode("utf-8")) for name, text in split_files(files)[0]]
            # Stored versions passed their checks at deploy; parse without re-checking forms,
            # so a form removed later cannot strand running cases.
            parsed = load_files(encoded, max(self.max_file_bytes, max(len(c) for _, c in encoded)))
            cached = build_specs(parsed, model_id)
            _SPECS.put(key, cached)
        return cached

    def draft_specs(self, model_id: str, files: list[tuple[str, bytes]]) -> tuple:
        """Check a set of files (a draft) and build the named process's specs, for simulation."""
        return build_specs(self.validate(files), model_id)
