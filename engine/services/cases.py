"""Opening cases, and reading them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select

from .. import policy
from ..clock import Clock
from ..definitions.forms import FormCatalog
from ..definitions.input_limits import check_length, problems_in, reserved_name_problems
from ..errors import BadRequest, InvalidData
from ..policy import Actor, visible_case
from ..store import process_versions
from ..store.models import Case, Client, User
from ..store.unit_of_work import Store
from ..views.case_view import CaseViews
from ..views.rows import case_summary
from .duplicates import refuse_if_duplicate
from .programs import ProgramService
from .runner import CaseRunner


def client_from(client: dict, now: datetime) -> Client:
    """A client row from what intake typed, or a 422 naming each bad field."""
    if not isinstance(client, dict):
        raise InvalidData("client must be an object", [{"field": "client", "message": "expected an object"}])
    problems = []
    for name in ("first_name", "last_name"):
        if not isinstance(client.get(name), str) or not client.get(name).strip():
            problems.append({"field": f"client/{name}", "message": "this field is required"})
        else:
            problems += check_length(client[name].strip(), f"client/{name}", 120)
    problems += check_length(client.get("preferred_language"), "client/preferred_language", 60)
    birth = client.get("birth_date")
    birth_date = None
    if birth not in (None, ""):
        try:
            birth_date = date.fromisoformat(str(birth))
            if birth_date > now.date():
                problems.append({"field": "client/birth_date", "message": "birth date is in the future"})
        except ValueError:
            problems.append({"field": "client/birth_date", "message": "use a date like 1950-04-23"})
    if problems:
        raise InvalidData("the client is not valid", problems)
    return Client(first_name=client["first_name"].strip(), last_name=client["last_name"].strip(),
                  birth_date=birth_date, preferred_language=client.get("preferred_language"), created_at=now)


# What the engine itself gives every case at its start; start data may not replace it.
_START_NAMES = frozenset({"case_id", "program", "client"})


def _variable_problems(variables) -> list[dict]:
    if variables is None:
        return []
    if not isinstance(variables, dict):
        return [{"field": "variables", "message": "expected an object"}]
    problems = reserved_name_problems(variables, "variables")
    problems += [{"field": f"variables/{name}", "message": f"'{name}' is set by casepath at the start"}
                 for name in variables if name in _START_NAMES]
    return problems + problems_in(variables, "variables")


class CaseService:
    def __init__(self, store: Store, runner: CaseRunner, views: CaseViews, clock: Clock, case_process: str,
                 forms: FormCatalog):
        self.store = store
        self.runner = runner
        self.views = views
        self.clock = clock
        self.case_process = case_process
        self.forms = forms

    def open_case(self, actor: Actor, client: dict, program: str | None = None,
                  team: str | None = None, model_id: str | None = None, variables: dict | None = None,
                  confirm_new_client: bool = False) -> dict:
        """Open a case on `model_id`, else its program's process, else the default process,
        with `variables` as start data (checked against the start event's form, if any).

        A client who may already have an open case (duplicates.py) is refused with
        PossibleDuplicate unless the caller confirms a new case with `confirm_new_client`."""
        policy.require(policy.may_open_cases(actor), "your role may not open cases")
        bounded = check_length(program, "program", 120) + check_length(team, "team", 80) + \
            check_length(model_id, "process", 200) + _variable_problems(variables)
        if bounded:
            raise InvalidData("the case cannot be opened as given", bounded)
        client_row = client_from(client, self.clock.now())
        with self.store.transaction() as uow:
            process = model_id or ProgramService.process_of(uow.session, program) or self.case_process
            version = process_versions.latest(uow.session, process)
            start_form = self.runner.start_form(uow.session, version.id)
            if variables or start_form:
                self.runner.forms(uow.session, version.id).validate(start_form, variables or {})
            if not confirm_new_client:
                refuse_if_duplicate(uow.session, actor, client_row)
            uow.session.add(client_row)
            uow.session.flush()
            case_manager = actor.id if policy.becomes_owner(actor, "case_manager") else None
            case, workflow = self.runner.start(uow, client_row, version, actor.username, program,
                                               team or actor.team, case_manager, variables=variables)
            return self.views.case_view(uow, case, workflow.active_element_ids())

    def get_case(self, actor: Actor, case_id: int) -> dict:
        with self.store.transaction() as uow:
            case = visible_case(uow, actor, case_id)
            policy.account_read(uow, actor, case.id, "case")
            workflow = self.runner.load(uow, case)
            return self.views.case_view(uow, case, workflow.active_element_ids())

    def list_cases(self, actor: Actor, stage: str | None = None, assigned_to: str | None = None,
                   q: str | None = None, limit: int = 100, offset: int = 0, program: str | None = None) -> list[dict]:
        for name, value in (("stage", stage), ("assigned_to", assigned_to), ("q", q), ("program", program)):
            if check_length(value, name, 200):  # None passes; anything not text does not
                raise BadRequest(f"the {name} filter must be plain text of at most 200 characters")
        with self.store.reading() as uow:
            query = select(Case).join(Client).where(Case.status != "disposed")  # tombstones are not cases
            visible = policy.case_filter(actor)
            if visible is not None:
                query = query.where(visible)
            if stage:
                query = query.where(Case.stage == stage)
            if program:
                query = query.where(Case.program == program)
            if assigned_to:
                username = actor.username if assigned_to == "me" else assigned_to
                query = query.join(User, User.id == Case.case_manager_id).where(User.username == username)
            if q:
                like = f"%{q.lower()}%"
                query = query.where(or_(func.lower(Client.last_name).like(like),
                                        func.lower(Client.first_name).like(like)))
            query = query.order_by(Case.id.desc()).limit(min(limit, 500)).offset(offset)
            return [case_summary(case) for case in uow.session.scalars(query).unique()]
