"""Programs: the lines of service one agency runs side by side (aging services, child
welfare...), each starting its new cases on its own process model."""
from __future__ import annotations

from sqlalchemy import select

from .. import policy
from ..definitions.input_limits import check_length
from ..errors import Conflict, InvalidData
from ..policy import Actor
from ..store import process_versions
from ..store.models import Program
from ..store.unit_of_work import Store


def program_view(program: Program) -> dict:
    return {"name": program.name, "process": program.process, "teams": list(program.teams or []),
            "retention_days": program.retention_days}


class ProgramService:
    def __init__(self, store: Store):
        self.store = store

    def programs(self) -> list[dict]:
        with self.store.reading() as uow:
            return [program_view(p) for p in uow.session.scalars(select(Program).order_by(Program.name))]

    def add(self, actor: Actor, name: str, process: str, teams: list[str] | None = None) -> dict:
        policy.require(policy.is_admin(actor), "only an administrator may add a program")
        problems = []
        for field, value, limit in (("name", name, 120), ("process", process, 200)):
            if not isinstance(value, str) or not value.strip():
                problems.append({"field": field, "message": "this field is required"})
            else:
                problems += check_length(value, field, limit)
        if teams is not None and (not isinstance(teams, list) or not all(isinstance(t, str) for t in teams)):
            problems.append({"field": "teams", "message": "expected a list of team names"})
        else:
            for index, team in enumerate(teams or []):
                problems += check_length(team, f"teams/{index}", 80)
        if problems:
            raise InvalidData("the program cannot be added as given", problems)
        with self.store.transaction() as uow:
            if uow.session.get(Program, name.strip()) is not None:
                raise Conflict(f"there is already a program named '{name.strip()}'")
            process_versions.latest(uow.session, process.strip())  # NotFound unless deployed
            program = Program(name=name.strip(), process=process.strip(), teams=list(teams or []),
                              created_at=uow.clock.now())
            uow.session.add(program)
            uow.audit(None, actor.username, "program_added", f"program '{program.name}' starts cases on "
                      f"{program.process}", data=program_view(program))
            return program_view(program)

    @staticmethod
    def process_of(session, name: str | None) -> str | None:
        program = session.get(Program, name) if name else None
        return program.process if program else None
