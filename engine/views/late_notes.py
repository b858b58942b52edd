"""Contact notes signed after the agency's deadline, across cases (the dashboard's count and
`engine.record.late_notes`).

NASW Std 10 (2013): the record holds "dates, times, and descriptions of contact"; a note is
judged by when it was first signed against when the contact happened, and counted once,
for the person who signed it, however often it was corrected (definitions/timeliness.py).
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from sqlalchemy import exists, select

from ..definitions import timeliness
from ..store.models import Case, Client, RecordEntry
from .rows import entry_views


def since_instant(since) -> datetime | None:
    """`since` as an instant: a date means its first moment (UTC), a string is ISO 8601."""
    if since is None or isinstance(since, datetime):
        return since if since is None or since.tzinfo else since.replace(tzinfo=timezone.utc)
    if isinstance(since, str):
        parsed = timeliness.parse_instant(since)
        return parsed or datetime.combine(date.fromisoformat(since), time(), timezone.utc)
    return datetime.combine(since, time(), timezone.utc)


def late_notes(session, kinds: list[str], working_days: int, team: str | None = None, since=None) -> list[dict]:
    """Every late note (the latest version of each), oldest first: which case, who signed it,
    when the contact was, when the note was due and when it was signed."""
    if not kinds:
        return []
    start = since_instant(since)
    # Entries alone first, a team's by EXISTS on their case: joined to cases and clients, the planner
    # (misjudging how many notes were signed in the window) hashed every case of the team first.
    query = select(RecordEntry).where(RecordEntry.kind.in_(kinds))
    if team:
        query = query.where(exists().where(Case.id == RecordEntry.case_id, Case.team == team))
    if start is None:
        rows = list(session.scalars(query))
    else:
        # A note counts from its first signature, so only notes signed since `start` can count, and
        # the (kind, signed_at) index finds them; the originals they correct (signed before) are read
        # too, so a correction is judged by its original, whatever the case's older notes.
        rows = list(session.scalars(query.where(RecordEntry.signed_at >= start)))
        missing = {e.corrects_id for e in rows if e.corrects_id} - {e.id for e in rows}
        while missing:
            more = list(session.scalars(query.where(RecordEntry.id.in_(missing))))
            rows += more
            missing = {e.corrects_id for e in more if e.corrects_id} - {e.id for e in rows}
    rows.sort(key=lambda entry: (entry.case_id, entry.recorded_at, entry.id))
    case_ids = sorted({entry.case_id for entry in rows})
    clients = {}
    for at in range(0, len(case_ids), 5000):  # in batches: SQLite takes a bounded number of parameters
        clients.update((case_id, client) for case_id, client in session.execute(
            select(Case.id, Client).join(Client, Client.id == Case.client_id)
            .where(Case.id.in_(case_ids[at:at + 5000]))))
    by_case: dict[int, tuple[list, str]] = {}
    for entry in rows:
        client = clients.get(entry.case_id)
        if client is None:  # a supervision session's record: no client, no contact notes
            continue
        entries, _ = by_case.setdefault(entry.case_id, ([], f"{client.first_name} {client.last_name}"))
        entries.append(entry)
    found = []
    for case_id, (rows, client) in by_case.items():
        views = timeliness.annotate(entry_views(rows), working_days)
        by_id = {v["id"]: v for v in views}
        for view in views:
            judged = view.get("timeliness")
            if view["corrected_by"] or not judged or not judged["late"]:
                continue
            first = view
            while first.get("corrects") in by_id:
                first = by_id[first["corrects"]]
            if start is not None and timeliness.parse_instant(first["signed_at"]) < start:
                continue
            found.append({"case_id": case_id, "client": client, "entry_id": view["id"], "kind": view["kind"],
                          "author": first["author"], "signed_at": first["signed_at"], **judged})
    return sorted(found, key=lambda n: (n["signed_at"], n["entry_id"]))


def count_by_author(notes: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for note in notes:
        counts[note["author"]] = counts.get(note["author"], 0) + 1
    return counts
