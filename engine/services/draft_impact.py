"""What a draft would do to running cases: the steps and timers they wait at that the
draft no longer has (renamed or removed), so the admin hears it when saving, not when
migration refuses the cases later.

Where cases wait is read from their open tasks and timers (what the inbox and timer
worker hold), with the subprocesses around each in the version the case runs on:
migration matches all of these by id.
"""
from __future__ import annotations

from collections import defaultdict

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..definitions.elements import label
from ..definitions.loader import parse_xml
from ..store.models import Case, HumanTask, ProcessVersion, Timer

_CONTAINERS = {"subProcess", "transaction", "callActivity"}


def _ids_and_names(files) -> tuple[dict[str, str], dict[str, list[str]]]:
    """{id: name} of every element, and {id: ids of the subprocesses around it}."""
    names, around = {}, {}
    for filename, content in files:
        data = content.encode("utf-8") if isinstance(content, str) else content
        root = parse_xml(data, filename, max(len(data), 1))
        for node in root.iter():
            if not isinstance(node.tag, str) or not node.get("id"):
                continue
            names[node.get("id")] = node.get("name") or ""
            around[node.get("id")] = [a.get("id") for a in node.iterancestors()
                                      if isinstance(a.tag, str) and etree.QName(a).localname in _CONTAINERS]
    return names, around


def waiting_cases(session: Session, model_id: str) -> dict[int, tuple[int, set[str]]]:
    """{case id: (its process version id, the element ids it waits at)} for running cases of the model."""
    found: dict[int, tuple[int, set[str]]] = {}
    for table, condition in ((HumanTask, HumanTask.state == "open"), (Timer, None)):
        query = (select(Case.id, Case.process_version_id, table.bpmn_id).join(Case, Case.id == table.case_id)
                 .join(ProcessVersion, ProcessVersion.id == Case.process_version_id)
                 .where(ProcessVersion.model_id == model_id, Case.status.in_(("active", "error"))))
        if condition is not None:
            query = query.where(condition)
        for case_id, version_id, bpmn_id in session.execute(query):
            found.setdefault(case_id, (version_id, set()))[1].add(bpmn_id)
    return found


def lost_waiting_points(session: Session, model_id: str, draft_files) -> list[dict]:
    """One warning per element running cases wait at (or inside) that the draft does not have."""
    cases = waiting_cases(session, model_id)
    if not cases:
        return []
    kept, _ = _ids_and_names(draft_files)
    by_version: dict[int, tuple[dict, dict]] = {}
    lost: dict[str, set[int]] = defaultdict(set)
    names: dict[str, str] = {}
    for case_id, (version_id, waiting) in cases.items():
        if version_id not in by_version:
            version = session.get(ProcessVersion, version_id)
            by_version[version_id] = _ids_and_names([(f.filename, f.content) for f in version.files])
        version_names, around = by_version[version_id]
        for element_id in waiting:
            for needed in [element_id, *around.get(element_id, [])]:
                if needed not in kept:
                    lost[needed].add(case_id)
                    names[needed] = version_names.get(needed, "")
    refused = set().union(*lost.values()) if lost else set()
    return [{"element_id": element_id,
             "message": (f"{len(ids)} running case(s) wait at {label(element_id, names[element_id])}, which this draft "
                         f"renames or removes; moving cases to the new version would refuse {len(refused)} case(s) "
                         "(they stay on their version). Keep the id to let them follow."),
             "cases": sorted(ids)}
            for element_id, ids in sorted(lost.items())]
