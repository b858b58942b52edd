"""The engine as web/ and the CLI see it: one object that wires the layers together.

    engine = CaseEngine(sessions, clock, forms)
    engine.cases.open_case(actor, client)        engine.tasks.complete(actor, task_id, data)
    engine.inbox.inbox(actor, query)             engine.record.timeline(actor, case_id)
    engine.timers.fire_due_timers()              engine.processes.deploy_path(actor, path)
    engine.designer.save_process_draft(...)      engine.simulation.simulate(...)
    engine.identity.login(username, password)    engine.pages.case_page(actor, case_id)
    engine.dashboard.dashboard(actor)             engine.record.late_notes(actor, team, since)
    engine.measures.measures(actor, program=..., from_=...)
    engine.incidents.retry(actor, case_id)       engine.messages.deliver(actor, case_id, name, payload)
    engine.programs.add(actor, name, process)     engine.exports.export(actor, case_id, 'fhir', recipient)
    engine.quality.draw_if_due()                  engine.retention.due(actor)
    engine.referrals.open_if_due()
    engine.supervision.open_if_due()

Each service is handed its collaborators here; none reaches into another's insides.
"""
from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from .clock import Clock
from .definitions.catalog import ProcessCatalog
from .definitions.forms import FormCatalog
from .definitions.loader import DEFAULT_MAX_FILE_BYTES
from .definitions.referral_status import REFERRAL_FOLLOW_UP_DAYS
from .definitions.scripting import restricted_script_engine
from .definitions.timeliness import DEFAULT_NOTE_DEADLINE_DAYS
from .definitions.timer_checks import DEFAULT_TIMER_MINIMUM
from .runtime.spiff_clock import install_spiff_clock
from .services.caseload import DEFAULT_CASELOAD_LIMIT, CaseloadGuard
from .services.cases import CaseService
from .services.designer import DesignerService
from .services.export import ExportService
from .services.identity import IdentityService
from .services.inbox import InboxService
from .services.incidents import IncidentService
from .services.messages import MessageService
from .services.programs import ProgramService
from .services.process_models import ProcessModelService
from .services.record import RecordService
from .services.referral_follow_up import ReferralFollowUpService
from .services.quality_review import QualityReviewService
from .services.quality_sample import DEFAULT_SAMPLE_SIZE
from .services.retention import RetentionService
from .services.runner import CaseRunner
from .services.sign_in_throttle import SignInThrottle
from .services.simulation import SimulationService
from .services.supervision import SupervisionService
from .services.tasks import TaskService
from .services.timers import TimerService
from .store.unit_of_work import Store
from .views.case_page import CasePages
from .views.case_view import CaseViews
from .views.dashboard import Dashboard
from .views.measures import Measures

DEFAULT_CASE_PROCESS = "case_lifecycle"


class CaseEngine:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, forms: FormCatalog,
                 case_process: str = DEFAULT_CASE_PROCESS, max_file_bytes: int | None = None,
                 password_hasher: PasswordHasher | None = None, timer_minimum: str | None = None,
                 script_time_limit: float | None = None, caseload_limit: float | None = DEFAULT_CASELOAD_LIMIT,
                 review_sample_size: int = DEFAULT_SAMPLE_SIZE, review_seed: str | None = None,
                 note_deadline_days: int = DEFAULT_NOTE_DEADLINE_DAYS,
                 referral_follow_up_days: int = REFERRAL_FOLLOW_UP_DAYS, timer_worker_slots: int | None = None):
        install_spiff_clock()
        self.clock = clock
        self.forms = forms
        self.store = Store(sessions, clock)
        catalog = ProcessCatalog(forms, max_file_bytes or DEFAULT_MAX_FILE_BYTES,
                                 timer_minimum or DEFAULT_TIMER_MINIMUM)
        # script_time_limit: seconds each script, condition or DMN expression may run (default 1).
        script_engine = restricted_script_engine(script_time_limit)
        runner = CaseRunner(catalog, script_engine, clock)
        case_views = CaseViews(forms, clock)

        self.identity = IdentityService(self.store, clock, password_hasher)
        # Failed sign-ins, shared by every serving process (OWASP: slow guessing down).
        self.sign_ins = SignInThrottle(self.store, clock)
        self.processes = ProcessModelService(self.store, catalog, clock)
        self.cases = CaseService(self.store, runner, case_views, clock, case_process, forms)
        self.programs = ProgramService(self.store)
        self.incidents = IncidentService(self.store, runner, case_views, clock)
        self.messages = MessageService(self.store, runner, case_views)
        # caseload_limit: acuity-weighted points per case manager (NASW Std 11); None turns the guard off.
        self.tasks = TaskService(self.store, runner, forms, case_views, clock, CaseloadGuard(caseload_limit))
        self.inbox = InboxService(self.store, clock)
        # note_deadline_days: working days after a contact within which its note is signed (NASW Std 10).
        # NACM (2017): a referral without a status after referral_follow_up_days gets a follow-up task.
        self.referrals = ReferralFollowUpService(self.store, runner, forms, clock, referral_follow_up_days)
        # A referral's status written to the record answers its open follow-up task.
        self.record = RecordService(self.store, forms, clock, note_deadline_days, self.referrals)
        # timer_worker_slots: at most this many workers fire timers at once (PostgreSQL; None: no limit).
        self.timers = TimerService(self.store, runner, clock, timer_worker_slots)
        self.designer = DesignerService(self.store, catalog, self.processes, runner, clock)
        self.simulation = SimulationService(self.store, catalog, forms, script_engine, clock)
        self.pages = CasePages(self.store, runner, case_views, clock, note_deadline_days, referral_follow_up_days)
        self.dashboard = Dashboard(self.store, clock, caseload_limit, forms, note_deadline_days)
        self.exports = ExportService(self.store, runner, clock)
        self.measures = Measures(self.store, forms, clock)
        self.retention = RetentionService(self.store, clock)
        # The monthly quality review's draw (AAA quality review; NASW Std 9): review_seed fixes it.
        self.quality = QualityReviewService(self.store, runner, clock, review_sample_size, review_seed)
        # Each case manager's monthly supervision session (NASW Std 11 and 12).
        self.supervision = SupervisionService(self.store, runner, clock)

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.store.sessions
