"""Exporting a client's complete record: as JSON, as a PDF, as FHIR R4 resources.

An export to a recipient is a release of the record (NASW Std 10; AAA: release of information
signed by client or guardian): it goes out only under a release in force naming the recipient,
and every export, and every refusal, is logged as a disclosure — what, to whom, when and by whom
(HIPAA §164.528 accounting of disclosures) — in the case's audit trail and its access log.
"""
from __future__ import annotations

from sqlalchemy import select

from .. import policy
from ..clock import Clock
from ..definitions import record_rules
from ..errors import BadRequest, Forbidden
from ..exports.record import complete_record
from ..policy import Actor, visible_case
from ..store.models import AuditEvent, HumanTask
from ..store.unit_of_work import Store
from ..views.rows import entry_views
from .runner import CaseRunner

FORMATS = {"json": "application/json", "pdf": "application/pdf", "fhir": "application/fhir+json"}
WHAT = {"json": "complete record (JSON)", "pdf": "complete record (PDF)",
        "fhir": "plan, goals, tasks and consents (FHIR R4)"}


class ExportService:
    def __init__(self, store: Store, runner: CaseRunner, clock: Clock):
        self.store = store
        self.runner = runner
        self.clock = clock

    def export(self, actor: Actor, case_id: int, fmt: str = "json", recipient: str | None = None):
        """The record in `fmt`: a dict for json and fhir, PDF bytes for pdf."""
        if fmt not in FORMATS:
            raise BadRequest(f"format must be one of {', '.join(FORMATS)}")
        recipient = " ".join(recipient.split()) if isinstance(recipient, str) and recipient.strip() else None
        if recipient is not None and len(recipient) > 200:
            raise BadRequest("recipient is at most 200 characters")
        refusal = None
        with self.store.transaction() as uow:
            case = visible_case(uow, actor, case_id)
            if case.client_id is None:  # oversight (a supervision session) is about a worker, no client's record
                raise BadRequest(f"case {case_id} is a supervision session, not a client's record: "
                                 "there is no client's record to export")
            policy.require(policy.may_export_record(actor, case),
                           "only the case's own case manager, its team's supervisors and administrators "
                           "may export a client's complete record")
            now = self.clock.now()
            entries = uow.record_entries(case_id)
            release = None
            if recipient is not None:
                releases = record_rules.releases_on_file(entry_views(entries), now.date())
                release, why = record_rules.release_in_force(releases, recipient)
                if release is None:
                    refusal = f"the record cannot be released to {recipient}: {why}"
                    # The refused attempt is part of the accounting too; it commits, the export does not happen.
                    uow.audit(case_id, actor.username, "record_disclosure_refused",
                              f"{actor.username} was refused an export of the {WHAT[fmt]} to {recipient}: {why}",
                              data={"what": WHAT[fmt], "format": fmt, "to": recipient, "reason": why})
            if refusal is None:
                tasks = list(uow.session.scalars(select(HumanTask).where(HumanTask.case_id == case_id)
                                                 .order_by(HumanTask.created_at, HumanTask.id)))
                events = list(uow.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                                  .order_by(AuditEvent.id)))
                record = complete_record(case, entries, tasks, events,
                                         self.runner.purposes(uow.session, case.process_version_id),
                                         now.date(), now, recipient)
                result = {"json": lambda: record, "fhir": lambda: _fhir().bundle(record),
                          "pdf": lambda: _pdf().render(record)}[fmt]()
                self._log(uow, actor, case_id, fmt, recipient, release)
        if refusal is not None:
            raise Forbidden(refusal, [{"field": "recipient", "message": refusal}])
        return result

    @staticmethod
    def _log(uow, actor: Actor, case_id: int, fmt: str, recipient: str | None, release: dict | None) -> None:
        to = recipient or "the agency's own file"
        policy.account_read(uow, actor, case_id, f"{WHAT[fmt]} for export to {to}")
        consent = ({"entry_id": release.get("entry_id"), "signed_on": release["signed_on"],
                    "expires_on": release["expires_on"], "signed_by": release.get("signed_by")}
                   if release else None)
        uow.audit(case_id, actor.username, "record_disclosed",
                  f"{actor.username} exported the {WHAT[fmt]} to {to}",
                  data={"what": WHAT[fmt], "format": fmt, "to": recipient, "consent": consent})


# FHIR models and the PDF fonts take a second to import: only an export asks for them, so a
# timer worker or a CLI command does not pay it at start-up.
def _fhir():
    from ..exports import fhir

    return fhir


def _pdf():
    from ..exports import pdf

    return pdf
