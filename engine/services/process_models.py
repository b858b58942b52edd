"""Deploying process models (BPMN and DMN files) as new immutable versions."""
from __future__ import annotations

from pathlib import Path

from .. import policy
from ..clock import Clock
from ..definitions.catalog import ProcessCatalog, read_path
from ..definitions.input_limits import check_length
from ..errors import InvalidData
from ..policy import Actor
from ..store import process_versions
from ..store.process_versions import DeployResult
from ..store.unit_of_work import Store, UnitOfWork
from ..views.rows import version_view


class ProcessModelService:
    def __init__(self, store: Store, catalog: ProcessCatalog, clock: Clock):
        self.store = store
        self.catalog = catalog
        self.clock = clock

    def deploy(self, actor: Actor, files: list[tuple[str, bytes]], how: str = "") -> DeployResult:
        """Check every file, then store one new version per process whose files changed.
        Nothing is stored when any check fails (DeploymentInvalid names each problem)."""
        policy.require(policy.may_design(actor), "only administrators may design and deploy process models")
        named = check_length(actor.username, "deployed_by", 80)
        if named:
            raise InvalidData("the deploying user's name is too long", named)
        with self.store.transaction() as uow:
            return self.deploy_in(uow, actor, files, how)

    def deploy_in(self, uow: UnitOfWork, actor: Actor, files: list[tuple[str, bytes]], how: str = "") -> DeployResult:
        parsed = self.catalog.validate(files)
        result = process_versions.store_versions(uow.session, parsed, files, actor.username, self.clock.now())
        for version in result.created:
            uow.audit(None, actor.username, "process_deployed",
                      f"deployed {version.model_id} version {version.version}{how}",
                      data={"model": version.model_id, "version": version.version, "hash": version.content_hash})
        return result

    def deploy_path(self, actor: Actor, path: Path) -> DeployResult:
        return self.deploy(actor, read_path(Path(path)))

    def process_versions(self) -> list[dict]:
        with self.store.reading() as uow:
            running = process_versions.running_cases_by_version(uow.session)
            return [version_view(v, running.get(v.id, 0)) for v in process_versions.all_versions(uow.session)]
