"""The monthly supervision session: one for every active case manager, opened each month.

NASW 2013 Std 11 (workload sustainability: supervision that watches each worker's caseload size
and acuity) and Std 12 (professional development and competence): every case manager meets their
supervisor regularly. The session itself is the `supervision_session` process
(processes/supervision_session.bpmn: the supervisor holds the session and writes its notes, the
case manager acknowledges them); this module only decides who is due one and opens it.

A session is a case about a worker, not a client: its case has no client (cases.client_id is
NULL), its stage is "supervision" (vocabulary.OVERSIGHT_STAGES: no one's caseload, no case in
the reports or the quality review), the worker is its case manager and their team its team.

Why engine code rather than a timer in a diagram: the same as the quality review's draw
(quality_review.py): it reads every worker and belongs to no case. The scheduler asks on every
poll (`open_if_due`), `casepath supervision open` does the same from cron, and (month, worker)
is unique in `supervision_sessions`, so however many workers poll, a month opens one session per
case manager. A case manager added mid-month gets theirs on the next poll; one deactivated gets
none.
"""
from __future__ import annotations


from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import policy
from ..clock import Clock
from ..policy import Actor
from ..store import process_versions
from ..store.models import SupervisionSession, User
from ..store.unit_of_work import Store
from ..vocabulary import SUPERVISION_STAGES
from .months import month_key, this_month
from .runner import CaseRunner

SESSION_PROCESS = "supervision_session"


def worker_name(user: User) -> str:
    return user.display_name or user.username


class SupervisionService:
    def __init__(self, store: Store, runner: CaseRunner, clock: Clock, process: str = SESSION_PROCESS):
        self.store = store
        self.runner = runner
        self.clock = clock
        self.process = process

    def open_if_due(self) -> dict | None:
        """The scheduler's monthly timer: open this month's session for every case manager who has
        none yet. One read when everyone has theirs (every poll but the first of a month)."""
        month = this_month(self.clock)
        with self.store.reading() as uow:
            if not self._due(uow.session, month):
                return None
            if process_versions.latest(uow.session, self.process, required=False) is None:
                return None  # an agency that has not deployed the session process has none to open
        opened = self.open(policy.operator("engine"), month)
        return opened if opened["sessions"] else None

    def open(self, actor: Actor, month: str | None = None) -> dict:
        """Open `month`'s session (this month by default) for every active case manager without one."""
        policy.require(policy.is_admin(actor), "only the engine or an administrator opens supervision sessions")
        month = month_key(self.clock, month)
        with self.store.reading() as uow:
            process_versions.latest(uow.session, self.process)  # not deployed: say so
            due = self._due(uow.session, month)
        sessions = []
        for worker_id in due:
            try:  # each worker's session in its own transaction: one taken elsewhere stops no other
                with self.store.transaction() as uow:
                    sessions.append(self._open_session(uow, worker_id, month, actor.username))
            except IntegrityError:
                continue  # another poller opened this worker's session a moment ago
        if sessions:
            with self.store.transaction() as uow:
                uow.audit(None, actor.username, "supervision_sessions_opened",
                          f"supervision of {month}: {len(sessions)} session(s) opened",
                          data={"month": month, "sessions": sessions})
        return {"month": month, "sessions": sessions}

    @staticmethod
    def _due(session, month: str) -> list[int]:
        """Active case managers with no session in `month`."""
        taken = select(SupervisionSession.worker_id).where(SupervisionSession.month == month)
        users = session.scalars(select(User).where(User.active.is_(True), User.id.not_in(taken)).order_by(User.id))
        return [u.id for u in users if "case_manager" in (u.roles or ())]

    def _open_session(self, uow, worker_id: int, month: str, opened_by: str) -> dict:
        session = uow.session
        worker = session.get(User, worker_id)
        version = process_versions.latest(session, self.process)
        supervisor_id = self._supervisor(session, worker)
        start = {"supervisee": {"username": worker.username, "name": worker_name(worker), "team": worker.team},
                 "session_month": month}
        case, _ = self.runner.start(uow, None, version, opened_by, None, worker.team, worker.id, variables=start,
                                    stage=SUPERVISION_STAGES[0], supervisor_id=supervisor_id,
                                    title=f"Supervision session of {month} with {worker_name(worker)}")
        session.add(SupervisionSession(month=month, worker_id=worker.id, session_case_id=case.id,
                                       opened_at=self.clock.now()))
        session.flush()  # (month, worker) taken by another poller: IntegrityError, this case rolls back
        uow.audit(case.id, opened_by, "supervision_session_opened",
                  f"supervision session of {month} for {worker.username}",
                  data={"month": month, "worker": worker.username})
        return {"case_id": case.id, "worker": worker.username}

    @staticmethod
    def _supervisor(session, worker: User) -> int | None:
        """The team's supervisor when the team has exactly one; otherwise any of them claims it."""
        if worker.team is None:
            return None
        found = [u.id for u in session.scalars(select(User).where(User.active.is_(True), User.team == worker.team,
                                                                  User.id != worker.id))
                 if "supervisor" in (u.roles or ())]
        return found[0] if len(found) == 1 else None

