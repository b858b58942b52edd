"""Deploying process models as immutable, numbered versions, and loading their specs."""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .bpmn_loader import DEFAULT_MAX_FILE_BYTES, build_specs, load_files, problem
from .clock import Clock
from .deploy_checks import check_specs, check_xml
from .errors import DeploymentInvalid, NotFound
from .forms import FormCatalog
from .models import ProcessFile, ProcessVersion


@dataclass
class DeployResult:
    created: list[ProcessVersion]
    unchanged: list[ProcessVersion]


def content_hash(files: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for name, text in sorted(files):
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()


def read_path(path: Path) -> list[tuple[str, bytes]]:
    """The BPMN and DMN files at a path (a file or a folder)."""
    if path.is_dir():
        paths = sorted([*path.glob("*.bpmn"), *path.glob("*.dmn")])
    elif path.exists():
        paths = [path]
    else:
        raise DeploymentInvalid(f"{path} does not exist", [problem(None, f"no file or folder at {path}")])
    return [(p.name, p.read_bytes()) for p in paths]


class ProcessModels:
    def __init__(self, forms: FormCatalog, clock: Clock, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES):
        self.forms = forms
        self.clock = clock
        self.max_file_bytes = max_file_bytes
        self._specs: dict[int, tuple] = {}
        self._lock = threading.Lock()

    def validate(self, files: list[tuple[str, bytes]]):
        """Run every deploy check; return the parsed files or raise DeploymentInvalid."""
        parsed = load_files(files, self.max_file_bytes)
        problems = check_xml(parsed)
        for process_id in parsed.top_level_process_ids():
            try:
                spec, subprocess_specs = build_specs(parsed, process_id)
            except DeploymentInvalid as exc:
                problems.extend(exc.details)
                continue
            problems.extend(check_specs(spec, subprocess_specs, self.forms))
        unique = []
        for item in problems:
            if item not in unique:
                unique.append(item)
        if unique:
            raise DeploymentInvalid(f"the process model has {len(unique)} problem(s); nothing was deployed", unique)
        return parsed

    def deploy(self, session: Session, files: list[tuple[str, bytes]], deployed_by: str) -> DeployResult:
        """Validate, then store one new version per top-level process whose files changed."""
        parsed = self.validate(files)
        texts = {name: content.decode("utf-8") for name, content in files}
        result = DeployResult([], [])
        for process_id in parsed.top_level_process_ids():
            needed = [(name, texts[name]) for name in parsed.files_for(process_id)]
            digest = content_hash(needed)
            latest = self.latest(session, process_id, required=False)
            if latest is not None and latest.content_hash == digest:
                result.unchanged.append(latest)
                continue
            number = (session.scalar(select(func.max(ProcessVersion.version))
                                     .where(ProcessVersion.model_id == process_id)) or 0) + 1
            version = ProcessVersion(
                model_id=process_id, version=number, content_hash=digest, deployed_by=deployed_by,
                deployed_at=self.clock.now(), name=parsed.parser.get_process_parser(process_id).get_name() or "",
                files=[ProcessFile(filename=name, content=text) for name, text in needed])
            session.add(version)
            session.flush()
            result.created.append(version)
        return result

    def latest(self, session: Session, model_id: str, required: bool = True) -> ProcessVersion | None:
        version = session.scalar(select(ProcessVersion).where(ProcessVersion.model_id == model_id)
                                 .order_by(ProcessVersion.version.desc()).limit(1))
        if version is None and required:
            raise NotFound(f"process model '{model_id}' is not deployed; run `casepath init` or deploy it")
        return version

    def list_versions(self, session: Session) -> list[ProcessVersion]:
        return list(session.scalars(select(ProcessVersion).order_by(ProcessVersion.model_id,
                                                                     ProcessVersion.version)))

    def specs(self, session: Session, version_id: int) -> tuple:
        """(spec, subprocess_specs) of a stored version, parsed once per process."""
        cached = self._specs.get(version_id)
        if cached is not None:
            return cached
        version = session.get(ProcessVersion, version_id)
        if version is None:
            raise NotFound(f"process version {version_id} does not exist")
        files = [(f.filename, f.content.encode("utf-8")) for f in version.files]
        # Stored versions passed their checks at deploy; parse without re-checking forms,
        # so a form removed later cannot strand running cases.
        parsed = load_files(files, max(self.max_file_bytes, max(len(c) for _, c in files)))
        specs = build_specs(parsed, version.model_id)
        with self._lock:
            self._specs[version_id] = specs
        return specs
