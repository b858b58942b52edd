"""What a supervision session's case page says about the session: whose it is and of which month
(NASW 2013 Std 11). The page names the case manager where a client's case names the client."""
from __future__ import annotations

from sqlalchemy import select

from ..store.models import SupervisionSession


def session_of(session, case_id: int) -> dict | None:
    """The session the case holds, or None for a client's case."""
    row = session.scalar(select(SupervisionSession).where(SupervisionSession.session_case_id == case_id))
    if row is None:
        return None
    worker = row.worker
    return {"month": row.month, "worker": worker.username, "worker_name": worker.display_name or worker.username}
