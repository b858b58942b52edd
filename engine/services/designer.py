"""The agency's process designer: drafts checked on save, deploys from drafts, version
history with what changed, and moving running cases between versions.

Only administrators design. A draft is one file of a model, edited in the browser and
kept until it is deployed or discarded; saving runs every deploy check and keeps the
problems beside the draft so they can be shown on their elements. A file that is not
safe to parse (entities, a DTD, too big) is refused and nothing is stored.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy
from ..clock import Clock, FixedClock, using_clock
from ..definitions.catalog import ProcessCatalog
from ..definitions.input_limits import check_int, check_length
from ..definitions.layout import with_drawing
from ..definitions.loader import parse_xml
from ..definitions.version_diff import diff_files
from ..errors import Conflict, DeploymentInvalid, InvalidData, NotFound
from ..runtime.workflow import ScriptFailed
from ..policy import Actor
from ..store import process_versions
from ..store.models import Case, ProcessDraft, ProcessVersion
from ..store.unit_of_work import Store
from .designer_import import check_model_id, read_model_zip, starter_bpmn
from .draft_impact import lost_waiting_points
from .process_models import ProcessModelService
from .runner import CaseRunner


def require_designer(actor: Actor) -> None:
    policy.require(policy.may_design(actor), "only administrators may design and deploy process models")


def _drawn(filename: str, content: str) -> str:
    return with_drawing(content.encode("utf-8")).decode("utf-8") if filename.endswith(".bpmn") else content


def draft_stamp(draft: ProcessDraft | None) -> str:
    """What an editor saw of a draft: who saved which content when ("" when there was none).
    The content's digest is in it, so two saves within one clock tick still differ."""
    if draft is None:
        return ""
    digest = hashlib.sha256(draft.content.encode("utf-8")).hexdigest()[:16]
    return f"{draft.updated_at.isoformat()}/{draft.updated_by}/{digest}"


def draft_file_set(session: Session, model_id: str, override: tuple[str, bytes] | None = None):
    """The latest version's files with the model's drafts laid over them."""
    latest = process_versions.latest(session, model_id, required=False)
    drafts = process_versions.drafts(session, model_id)
    if latest is None and not drafts:
        process_versions.latest(session, model_id)  # raises NotFound, naming the model
    files = {f.filename: f.content.encode("utf-8") for f in latest.files} if latest is not None else {}
    for draft in drafts:
        files[draft.filename] = draft.content.encode("utf-8")
    if override is not None:
        files[override[0]] = override[1]
    return latest, sorted(files.items())


class DesignerService:
    def __init__(self, store: Store, catalog: ProcessCatalog, deployer: ProcessModelService, runner: CaseRunner,
                 clock: Clock):
        self.store = store
        self.catalog = catalog
        self.deployer = deployer
        self.runner = runner
        self.clock = clock

    def model_files(self, actor: Actor, model_id: str, version: int | None = None,
                    with_drafts: bool = False) -> dict:
        """The files of a version (the latest by default), drafts laid over them if asked."""
        require_designer(actor)
        with self.store.transaction() as uow:
            session = uow.session
            if version is None and with_drafts and process_versions.latest(session, model_id, required=False) is None:
                drafts = process_versions.drafts(session, model_id)
                if drafts:  # a new or imported model, not deployed yet: its drafts are all there is
                    return {"model": model_id, "version": None, "files": [self._draft_view(d) for d in drafts]}
            row = process_versions.version(session, model_id, version)
            # A diagram without a drawing gets one, so the designer can show it (the model is unchanged).
            files = {f.filename: {"filename": f.filename, "content": _drawn(f.filename, f.content), "draft": False,
                                  "problems": []} for f in row.files}
            if with_drafts:
                for draft in process_versions.drafts(session, model_id):
                    files[draft.filename] = self._draft_view(draft)
            return {"model": model_id, "version": row.version, "files": list(files.values())}

    @staticmethod
    def _draft_view(draft: ProcessDraft) -> dict:
        return {"filename": draft.filename, "content": _drawn(draft.filename, draft.content),
                "draft": True, "stamp": draft_stamp(draft), "problems": draft.problems,
                "updated_by": draft.updated_by, "updated_at": draft.updated_at.isoformat()}

    def draft_models(self, actor: Actor) -> list[dict]:
        """Models that exist only as drafts (new or imported, never deployed)."""
        require_designer(actor)
        with self.store.reading() as uow:
            session = uow.session
            deployed = set(session.scalars(select(ProcessVersion.model_id).distinct()))
            found: dict[str, dict] = {}
            for draft in session.scalars(select(ProcessDraft).order_by(ProcessDraft.model_id, ProcessDraft.filename)):
                if draft.model_id in deployed:
                    continue
                entry = found.setdefault(draft.model_id, {"model": draft.model_id, "files": [], "problems": 0,
                                                          "updated_by": draft.updated_by,
                                                          "updated_at": draft.updated_at})
                entry["files"].append(draft.filename)
                entry["problems"] += len(draft.problems or [])
                if draft.updated_at > entry["updated_at"]:
                    entry["updated_by"], entry["updated_at"] = draft.updated_by, draft.updated_at
            return list(found.values())

    def version_history(self, actor: Actor, model_id: str) -> list[dict]:
        """Who deployed what when, what changed from the version before, cases running on each."""
        require_designer(actor)
        with self.store.transaction() as uow:
            session = uow.session
            versions = list(session.scalars(select(ProcessVersion).where(ProcessVersion.model_id == model_id)
                                            .order_by(ProcessVersion.version)))
            if not versions and process_versions.drafts(session, model_id):
                return []  # new or imported: nothing deployed yet
            if not versions:
                raise NotFound(f"process model '{model_id}' is not deployed")
            running = process_versions.running_cases_by_version(session)
            history, previous = [], None
            for version in versions:
                files = {f.filename: f.content for f in version.files}
                history.append({
                    "version": version.version, "deployed_by": version.deployed_by,
                    "deployed_at": version.deployed_at.isoformat(), "content_hash": version.content_hash,
                    "running_cases": running.get(version.id, 0), "files": sorted(files),
                    "changes": diff_files(previous, files) if previous is not None else None,
                })
                previous = files
            return list(reversed(history))

    # ------------------------------------------------------------------ drafts
    def save_process_draft(self, actor: Actor, model_id: str, filename: str, content: bytes,
                           based_on: int | None = None, stamp: str | None = None) -> dict:
        """Keep an edited file as a draft and check the whole model as it would deploy.

        An editor says which version it opened (`based_on`) and the draft it saw (`stamp`,
        "" for none); if someone deployed or saved this file since, the save is refused
        naming who and when, so one admin never silently overwrites another."""
        require_designer(actor)
        if not filename.endswith((".bpmn", ".dmn")) or "/" in filename or "\\" in filename:
            raise InvalidData("a draft is a .bpmn or .dmn file",
                              [{"field": "filename", "message": "name it like case_lifecycle.bpmn"}])
        bounded = check_length(filename, "filename", 255) + check_length(model_id, "model_id", 200)
        if bounded:
            raise InvalidData("the draft cannot be stored under that name", bounded)
        # Unsafe or unreadable XML is refused outright: nothing is stored.
        parse_xml(content, filename, self.catalog.max_file_bytes)
        with self.store.transaction() as uow:
            session = uow.session
            latest, files = draft_file_set(session, model_id, (filename, content))
            row = session.scalar(select(ProcessDraft).where(ProcessDraft.model_id == model_id,
                                                            ProcessDraft.filename == filename))
            self._refuse_stale(latest, row, filename, based_on, stamp)
            try:
                problems, warnings = [], self.catalog.validate(files).warnings
            except DeploymentInvalid as invalid:
                problems, warnings = invalid.details, invalid.warnings
            warnings = [dict(w) for w in warnings] + lost_waiting_points(session, model_id, files)
            now = self.clock.now()
            text = content.decode("utf-8")
            if row is None:
                row = ProcessDraft(model_id=model_id, filename=filename,
                                   base_version_id=latest.id if latest is not None else None, content=text,
                                   problems=problems, updated_by=actor.username, updated_at=now)
                session.add(row)
            else:
                row.content, row.problems, row.updated_by, row.updated_at = text, problems, actor.username, now
            uow.audit(None, actor.username, "draft_saved", f"saved a draft of {filename} ({model_id})",
                        data={"model": model_id, "filename": filename, "problems": len(problems)})
            session.flush()
            return {"model": model_id, "filename": filename, "saved_at": now.isoformat(), "problems": problems,
                    "warnings": warnings, "based_on_version": latest.version if latest is not None else None,
                    "stamp": draft_stamp(row)}

    @staticmethod
    def _refuse_stale(latest: ProcessVersion | None, row: ProcessDraft | None, filename: str, based_on: int | None,
                      stamp: str | None) -> None:
        if latest is not None and based_on is not None and based_on != latest.version:
            raise Conflict(f"{latest.deployed_by} deployed version {latest.version} at "
                           f"{latest.deployed_at:%Y-%m-%d %H:%M} UTC after you opened version {based_on}; your "
                           "change is not saved. Reload the designer to edit the new version.")
        if stamp is not None and stamp != draft_stamp(row):
            if row is None:
                raise Conflict(f"the draft of {filename} you opened was deployed or discarded since; your change "
                               "is not saved. Reload the designer.")
            raise Conflict(f"{row.updated_by} saved a draft of {filename} at {row.updated_at:%Y-%m-%d %H:%M} UTC "
                           "after you opened it; your change is not saved. Reload the designer to see theirs.")

    # ------------------------------------------------------------------ new and imported models
    def new_model(self, actor: Actor, model_id: str, name: str, form: str) -> dict:
        """A draft of a new process: start, one case manager's task on `form`, end (drawn).
        Nothing is deployed; an id already deployed or drafted is refused, naming it."""
        require_designer(actor)
        check_model_id(model_id)
        problems = check_length(name, "name", 200)
        if not isinstance(name, str) or not name.strip():
            problems.append({"field": "name", "message": "give the process a name"})
        if not isinstance(form, str) or form not in self.catalog.forms:
            problems.append({"field": "form", "message": "choose one of the agency's forms"})
        if problems:
            raise InvalidData("the new process is not valid", problems)
        filename = f"{model_id}.bpmn"
        return self._store_drafts(actor, model_id, [(filename, starter_bpmn(model_id, name.strip(),
                                                                            f"{form}.schema.json"))],
                                  new=True, how="created")

    def import_files(self, actor: Actor, uploads: list[tuple[str, bytes]], model_id: str | None = None) -> dict:
        """Uploaded BPMN/DMN files, or one .zip of a model folder (with its forms), as drafts
        of a new or existing model. Never deployed here; the draft is checked like any save."""
        require_designer(actor)
        metadata: dict = {}
        if len(uploads) == 1 and uploads[0][0].lower().endswith(".zip"):
            files, metadata = read_model_zip(uploads[0][1], self.catalog.max_file_bytes)
        elif any(n.lower().endswith(".zip") for n, _ in uploads):
            raise InvalidData("upload one .zip on its own, or BPMN and DMN files",
                              [{"field": "file", "message": "one .zip at a time"}])
        else:
            files = []
            for name, content in uploads:
                base = name.replace("\\", "/").rsplit("/", 1)[-1]
                if not base.endswith((".bpmn", ".dmn")) and not (base.endswith(".json") and base != "process_model.json"):
                    raise InvalidData(f"{base[:120]} is not a BPMN, DMN or form file",
                                      [{"field": "file", "message": "upload .bpmn, .dmn, *-schema.json or a .zip"}])
                files.append((base, content))
        if not files:
            raise InvalidData("choose the files to import", [{"field": "file", "message": "no file was uploaded"}])
        if len(files) > 50:
            raise InvalidData("too many files", [{"field": "file", "message": "at most 50 files at once"}])
        roots = {}
        for name, content in files:
            bounded = check_length(name, "filename", 255)
            if bounded:
                raise InvalidData("a file's name is too long", bounded)
            if name.endswith((".bpmn", ".dmn")):
                roots[name] = parse_xml(content, name, self.catalog.max_file_bytes)  # unsafe XML: refused
        if not model_id:
            model_id = self._model_id_of(roots, metadata)
        check_model_id(model_id)
        return self._store_drafts(actor, model_id, files, new=False, how="imported")

    @staticmethod
    def _model_id_of(roots: dict, metadata: dict) -> str:
        """The process the files are about: process_model.json's primary process, else the one
        executable process no other one calls."""
        bpmn = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
        processes, called = [], set()
        for root in roots.values():
            processes += [p.get("id") for p in root.iter(f"{bpmn}process") if p.get("isExecutable") != "false"]
            called |= {c.get("calledElement") for c in root.iter(f"{bpmn}callActivity")}
        primary = metadata.get("primary_process_id")
        if isinstance(primary, str) and primary in processes:
            return primary
        top = [p for p in processes if p and p not in called]
        if not top:
            raise InvalidData("the import has no process to make a model of",
                              [{"field": "file", "message": "a .bpmn with an executable process, or choose the "
                                                            "process the files belong to"}])
        return top[0]

    def _store_drafts(self, actor: Actor, model_id: str, files: list[tuple[str, bytes]], new: bool,
                      how: str) -> dict:
        with self.store.transaction() as uow:
            session = uow.session
            latest = process_versions.latest(session, model_id, required=False)
            existing = {d.filename: d for d in process_versions.drafts(session, model_id)}
            if new and (latest is not None or existing):
                raise Conflict(f"a process with the id '{model_id}' already exists"
                               f"{' (deployed)' if latest is not None else ' (as a draft)'}; choose another name or id")
            merged = {f.filename: f.content.encode("utf-8") for f in latest.files} if latest is not None else {}
            merged.update({d.filename: d.content.encode("utf-8") for d in existing.values()})
            merged.update(dict(files))
            try:
                problems, warnings = [], self.catalog.validate(sorted(merged.items())).warnings
            except DeploymentInvalid as invalid:
                problems, warnings = invalid.details, invalid.warnings
            now = self.clock.now()
            replaced = []
            for filename, content in files:
                try:
                    text = content.decode("utf-8")
                except UnicodeDecodeError:
                    raise InvalidData(f"{filename} is not UTF-8 text", [{"field": "file", "message": filename}]) from None
                row = existing.get(filename)
                if row is None:
                    session.add(ProcessDraft(model_id=model_id, filename=filename,
                                             base_version_id=latest.id if latest is not None else None, content=text,
                                             problems=problems, updated_by=actor.username, updated_at=now))
                else:
                    replaced.append(f"{filename} (by {row.updated_by})")
                    row.content, row.problems, row.updated_by, row.updated_at = text, problems, actor.username, now
            uow.audit(None, actor.username, f"draft_{how}",
                      f"{how} {model_id} as a draft ({', '.join(n for n, _ in files)})",
                      data={"model": model_id, "files": [n for n, _ in files], "problems": len(problems)})
            session.flush()
            return {"model": model_id, "files": [n for n, _ in files], "problems": problems,
                    "warnings": [dict(w) for w in warnings], "replaced_drafts": replaced,
                    "deployed_version": latest.version if latest is not None else None}

    def discard_process_drafts(self, actor: Actor, model_id: str) -> int:
        require_designer(actor)
        with self.store.transaction() as uow:
            session = uow.session
            drafts = process_versions.drafts(session, model_id)
            for draft in drafts:
                session.delete(draft)
            return len(drafts)

    def deploy_process_drafts(self, actor: Actor, model_id: str) -> dict:
        """Deploy the latest version with the drafts laid over it as a new immutable version."""
        require_designer(actor)
        with self.store.transaction() as uow:
            session = uow.session
            latest, files = draft_file_set(session, model_id)
            if not process_versions.drafts(session, model_id):
                raise Conflict(f"there is no draft of '{model_id}' to deploy")
            result = self.deployer.deploy_in(uow, actor, files, " from the designer")
            created = [v for v in result.created if v.model_id == model_id]
            for draft in process_versions.drafts(session, model_id):
                session.delete(draft)
            if not created:
                return {"model": model_id, "version": latest.version if latest is not None else None,
                        "created": False}
            return {"model": model_id, "version": created[0].version, "created": True}

    # ------------------------------------------------------------------ migration
    def migrate_cases(self, actor: Actor, model_id: str, to_version: int, case_ids: list[int] | None = None,
                      from_version: int | None = None) -> dict:
        """Move running cases onto another version of their model, each case all or nothing.

        A case moves only if every element it is at (tasks, waiting timers, the subprocesses
        around them) exists in the target by id; otherwise it is refused with the reason and
        left exactly as it was. Waiting timers are recomputed from the target's definitions,
        counted from when each started waiting."""
        require_designer(actor)
        check_int(to_version, "to_version")
        if from_version is not None:
            check_int(from_version, "from_version")
        for index, case_id in enumerate(case_ids or []):
            check_int(case_id, f"case_ids/{index}")
        with self.store.transaction() as uow:
            session = uow.session
            target = process_versions.version(session, model_id, to_version)
            query = select(Case.id).join(ProcessVersion, ProcessVersion.id == Case.process_version_id).where(
                ProcessVersion.model_id == model_id, Case.status.in_(("active", "error")),
                Case.process_version_id != target.id)
            if from_version is not None:
                query = query.where(ProcessVersion.version == from_version)
            if case_ids:
                query = query.where(Case.id.in_(case_ids))
            candidates = list(session.scalars(query.order_by(Case.id)))
            target_id = target.id
        if case_ids:
            missing = sorted(set(case_ids) - set(candidates))
        else:
            missing = []
        migrated, refused = [], [{"case_id": c, "reason": "not a running case of this model on another version"}
                                 for c in missing]
        for case_id in candidates:
            try:
                migrated.append(self._migrate_case(actor, case_id, target_id))
            except Conflict as refusal:
                refused.append({"case_id": case_id, "reason": refusal.message})
        return {"model": model_id, "to_version": to_version, "migrated": migrated, "refused": refused}

    def _migrate_case(self, actor: Actor, case_id: int, target_id: int) -> dict:
        refusal = None
        with self.store.transaction() as uow:
            session = uow.session
            case = uow.lock_case(case_id)
            source = case.process_version
            source_version, model = source.version, source.model_id
            new_spec, new_subprocesses = self.runner.specs(session, target_id)
            target = session.get(ProcessVersion, target_id)
            started = {t.id: t.created_at for t in uow.timers(case.id)}
            workflow = self.runner.load(uow, case)

            def timer_clock(task_id: str):
                # A waiting timer counts from when it was scheduled; anything else from now.
                return FixedClock(started[task_id]) if task_id in started else self.clock

            try:
                with using_clock(self.clock):
                    missing = workflow.migrate_to(new_spec, new_subprocesses, timer_clock)
                if missing:
                    refusal = (f"case {case_id} is at {', '.join(missing)}, which version {target.version} "
                               f"does not have; it stays on version {source_version}")
            except ScriptFailed as failure:
                missing = [failure.bpmn_id or model]
                refusal = (f"case {case_id} would fail at '{failure.bpmn_id}' on version {target.version} "
                           f"({failure.message}); it stays on version {source_version}")
            if not refusal:
                case.process_version_id = target_id
                session.flush()
                session.expire(case, ["process_version"])
                uow.audit(case.id, actor.username, "case_migrated",
                          f"moved from {model} version {source_version} to version {target.version}",
                          data={"from": source_version, "to": target.version})
                self.runner.save(uow, case, workflow, actor.username)
                return {"case_id": case.id, "from_version": source_version, "to_version": target.version,
                        "timers": {t.bpmn_id: t.due_at.isoformat() for t in uow.timers(case.id)}}
        # Refused: the case is untouched; the refusal itself is kept in its audit trail.
        with self.store.transaction() as uow:
            session = uow.session
            uow.audit(case_id, actor.username, "migration_refused", refusal,
                      data={"to": target.version, "missing": missing})
        raise Conflict(refusal)
