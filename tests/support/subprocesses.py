"""Running casepath in other processes, as a deployment would (and killing them)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tests.support.paths import ROOT, TESTS


def environment(database_url: str, now: str, tmp_path) -> dict:
    env = dict(os.environ)
    env.update({"DATABASE_URL": database_url, "CASEPATH_NOW": now, "CASEPATH_ENV": "test",
                "CASEPATH_FORMS_DIR": str(TESTS / "forms"), "CASEPATH_INSTANCE_DIR": str(tmp_path / "instance"),
                "CASEPATH_CASE_PROCESS": "plan_approval", "PYTHONPATH": str(ROOT)})
    return env


def casepath(args: list[str], database_url: str, now: str, tmp_path, env: dict | None = None,
             **kw) -> subprocess.CompletedProcess:
    """Run the `casepath` command line; `env` adds to or overrides the environment."""
    return subprocess.run([sys.executable, "-m", "web", *args],
                          env={**environment(database_url, now, tmp_path), **(env or {})},
                          cwd=ROOT, capture_output=True, text=True, timeout=300, **kw)


def start_casepath(args: list[str], database_url: str, now: str, tmp_path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "web", *args], env=environment(database_url, now, tmp_path),
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_and_die_mid_step(code: str, database_url: str, now: str, tmp_path) -> subprocess.CompletedProcess:
    """Run `code` with an engine whose process is SIGKILLed in the middle of writing a step:
    after the new tasks, audit events and record entries are in the transaction, before commit."""
    program = textwrap.dedent("""
        import os, signal
        from pathlib import Path
        from engine.clock import FixedClock, parse_instant
        from engine.definitions.forms import FormCatalog
        from engine.facade import CaseEngine
        from engine.store.db import make_engine, session_factory
        from engine.store.unit_of_work import UnitOfWork

        original = UnitOfWork._mirror_timers
        def die(self, *args):
            original(self, *args)
            self.session.flush()   # the step's rows are now in the database, uncommitted
            os.kill(os.getpid(), signal.SIGKILL)
        UnitOfWork._mirror_timers = die
        engine = CaseEngine(session_factory(make_engine(os.environ["DATABASE_URL"])),
                            FixedClock(parse_instant(os.environ["CASEPATH_NOW"])),
                            FormCatalog(Path(os.environ["CASEPATH_FORMS_DIR"])), case_process="plan_approval")
    """) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", program], env=environment(database_url, now, tmp_path), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
