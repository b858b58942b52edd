"""Deployed process models as immutable, numbered versions in the database."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..definitions.catalog import content_hash
from ..definitions.loader import ParsedFiles
from ..errors import NotFound
from .models import Case, ProcessDraft, ProcessFile, ProcessVersion


@dataclass
class DeployResult:
    created: list[ProcessVersion]
    unchanged: list[ProcessVersion]
    warnings: list[dict] = field(default_factory=list)  # deployed, but worth the author's look


def store_versions(session: Session, parsed: ParsedFiles, files: list[tuple[str, bytes]], deployed_by: str,
                   now: datetime) -> DeployResult:
    """One new version per top-level process whose files changed (files already checked)."""
    texts = {name: content.decode("utf-8") for name, content in files}
    result = DeployResult([], [], [dict(w) for w in parsed.warnings])
    for process_id in parsed.top_level_process_ids():
        needed = [(name, texts[name]) for name in parsed.files_for(process_id)]
        digest = content_hash(needed)
        current = latest(session, process_id, required=False)
        if current is not None and current.content_hash == digest:
            result.unchanged.append(current)
            continue
        number = (session.scalar(select(func.max(ProcessVersion.version))
                                 .where(ProcessVersion.model_id == process_id)) or 0) + 1
        version = ProcessVersion(
            model_id=process_id, version=number, content_hash=digest, deployed_by=deployed_by, deployed_at=now,
            name=parsed.parser.get_process_parser(process_id).get_name() or "",
            files=[ProcessFile(filename=name, content=text) for name, text in needed])
        session.add(version)
        session.flush()
        result.created.append(version)
    return result


def latest(session: Session, model_id: str, required: bool = True) -> ProcessVersion | None:
    version = session.scalar(select(ProcessVersion).where(ProcessVersion.model_id == model_id)
                             .order_by(ProcessVersion.version.desc()).limit(1))
    if version is None and required:
        raise NotFound(f"process model '{model_id}' is not deployed; run `casepath init` or deploy it")
    return version


def version(session: Session, model_id: str, number: int | None) -> ProcessVersion:
    """A numbered version of a model (the latest when `number` is None)."""
    if number is None:
        return latest(session, model_id)
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 2**31 - 1:
        raise NotFound(f"process model '{model_id}' has no version {number}")
    row = session.scalar(select(ProcessVersion).where(ProcessVersion.model_id == model_id,
                                                      ProcessVersion.version == number))
    if row is None:
        raise NotFound(f"process model '{model_id}' has no version {number}")
    return row


def all_versions(session: Session, model_id: str | None = None) -> list[ProcessVersion]:
    query = select(ProcessVersion).order_by(ProcessVersion.model_id, ProcessVersion.version)
    if model_id is not None:
        query = query.where(ProcessVersion.model_id == model_id)
    return list(session.scalars(query))


def files_of(row: ProcessVersion) -> list[tuple[str, str]]:
    return [(f.filename, f.content) for f in row.files]


def running_cases_by_version(session: Session) -> dict[int, int]:
    """Cases still running (not completed) per version id: the one meaning of "running"."""
    return dict(session.execute(select(Case.process_version_id, func.count())
                                .where(Case.status != "completed").group_by(Case.process_version_id)).all())


def drafts(session: Session, model_id: str) -> list[ProcessDraft]:
    return list(session.scalars(select(ProcessDraft).where(ProcessDraft.model_id == model_id)
                                .order_by(ProcessDraft.filename)))
