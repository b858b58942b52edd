"""Scale-out: two `casepath serve` and three `casepath worker` processes on one PostgreSQL.

A thousand cases are driven at once through the JSON API (sixteen clients split over both
servers) while the five timer pollers fire the two-second timer each case waits on. Some
tasks are completed by two clients at the same instant: one succeeds, the other is told
409. Afterwards, with every process stopped, each case is checked: its workflow (loaded
through the engine), its open-task and timer rows, its stage and status and its audit
trail agree; no timer fired twice and no task was completed twice.

The case is tests/scale_out/scale_out.bpmn: intake (assessment) → PT2S → call
(monitoring) → end (closed).
"""
from __future__ import annotations

import heapq
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, select, text

from engine.clock import Clock
from engine.definitions.forms import FormCatalog
from engine.facade import CaseEngine
from engine.policy import ENGINE, operator
from engine.store.db import make_engine, session_factory, upgrade
from engine.store.models import AuditEvent, Case, HumanTask, RecordEntry, Timer
from tests.support.paths import ROOT, TESTS
from tests.support.people import CHEAP_HASHING, PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

POSTGRES_URL = os.environ.get("CASEPATH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CASES = int(os.environ.get("CASEPATH_SCALE_OUT_CASES", "1000"))
CLIENTS = 16
SERVERS, WORKERS = 2, 3
TIMER_SECONDS = 2.0
DUPLICATE_EVERY = 10  # every tenth case has its intake completed by two clients at once
ANSWER = {"data": {"outcome": "spoke with the client"}}


@pytest.fixture
def scale_database(tmp_path):
    """A fresh schema on the shared PostgreSQL, migrated, with the scale-out diagram deployed
    (timer minimum PT1S) and carol, a case manager; skipped when PostgreSQL is not there."""
    schema = f"scale_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is not reachable ({exc})")
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    db = make_engine(url)
    try:
        upgrade(db)
        engine = CaseEngine(session_factory(db), Clock(), FormCatalog(TESTS / "forms"), case_process="scale_out",
                            password_hasher=CHEAP_HASHING, timer_minimum="PT1S", caseload_limit=None)
        engine.processes.deploy_path(operator("ada"), TESTS / "scale_out")
        engine.identity.add_user("carol", PASSWORD, ["case_manager"], "north")
        yield url, engine
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fleet:
    """The casepath processes of one deployment, each in its own process group, their output
    in files; stop() ends them all (SIGTERM, then SIGKILL), and runs even when the test fails."""

    def __init__(self, url: str, tmp_path):
        self.tmp_path = tmp_path
        # The real clock (no CASEPATH_NOW): timers fall due as the test runs.
        self.env = {**os.environ, "DATABASE_URL": url, "CASEPATH_ENV": "test", "SECRET_KEY": "scale-out" * 4,
                    "CASEPATH_FORMS_DIR": str(TESTS / "forms"), "CASEPATH_PROCESSES_DIR": str(TESTS / "scale_out"),
                    "CASEPATH_INSTANCE_DIR": str(tmp_path / "instance"), "CASEPATH_CASE_PROCESS": "scale_out",
                    "CASEPATH_TIMER_MINIMUM": "PT1S", "CASEPATH_TIMER_POLL_SECONDS": "0.5",
                    "CASEPATH_CASELOAD_LIMIT": "none", "PYTHONPATH": str(ROOT)}
        self.env.pop("CASEPATH_NOW", None)
        self.processes: list[tuple[str, subprocess.Popen, object]] = []
        self.ports: list[int] = []

    def start(self, name: str, args: list[str]) -> None:
        log = open(self.tmp_path / f"{name}.log", "w")
        process = subprocess.Popen([sys.executable, "-m", "web", *args], env=self.env, cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append((name, process, log))

    def serve(self, name: str) -> None:
        port = _free_port()
        self.ports.append(port)
        self.start(name, ["serve", "--port", str(port), "--threads", "8"])

    def wait_until_listening(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        for port in self.ports:
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    dead = [name for name, p, _ in self.processes if p.poll() is not None]
                    assert not dead, f"{dead} exited: {self.logs()}"
                    assert time.monotonic() < deadline, f"port {port} never opened: {self.logs()}"
                    time.sleep(0.1)

    def stop(self) -> None:
        for _, process, _ in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _, process, log in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()

    def logs(self) -> dict[str, str]:
        return {name: (self.tmp_path / f"{name}.log").read_text() for name, _, _ in self.processes}


@pytest.fixture
def fleet(scale_database, tmp_path):
    fleet = Fleet(scale_database[0], tmp_path)
    try:
        yield fleet
    finally:
        fleet.stop()


class Clients:
    """Sixteen API clients sharing the work of CASES cases over both servers.

    A client opens a case and completes its intake; the case then waits for its timer, and
    once that is due any client reads the case and completes its call. Every status is kept;
    duplicate completions record the pair of statuses they got."""

    def __init__(self, ports: list[int], token: str):
        self.ports = ports
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        self.lock = threading.Lock()
        self.next_case = 0
        self.finished = 0
        self.waiting: list[tuple[float, int]] = []  # (when its call should be open, case id)
        self.statuses: Counter = Counter()
        self.unexpected: list[str] = []
        self.duplicates: list[tuple[int, list[tuple[int, str]]]] = []
        self.completions = 0
        self.case_ids: list[int] = []

    def run(self, clients: int) -> None:
        with ThreadPoolExecutor(clients) as pool:
            for future in [pool.submit(self._client, n) for n in range(clients)]:
                future.result()

    # ------------------------------------------------------------------ one client
    def _client(self, number: int) -> None:
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for port in self.ports]
        sent = number
        helper = ThreadPoolExecutor(1)  # the second hand of a duplicate completion

        def request(method: str, path: str, body: dict | None = None, server: int | None = None):
            nonlocal sent
            if server is None:
                server, sent = sent % len(connections), sent + 1
            return self._request(connections[server], method, path, body)

        try:
            while True:
                job = self._next_job()
                if job is None:
                    return
                kind, value = job
                if kind == "sleep":
                    time.sleep(value)
                elif kind == "open":
                    self._open_and_intake(value, request, helper)
                else:
                    self._call(value, request)
        finally:
            helper.shutdown()
            for conn in connections:
                conn.close()

    def _next_job(self):
        with self.lock:
            now = time.monotonic()
            if self.waiting and self.waiting[0][0] <= now:
                return "call", heapq.heappop(self.waiting)[1]
            if self.next_case < CASES:
                self.next_case += 1
                return "open", self.next_case
            if self.finished == CASES:
                return None
            return "sleep", min(0.2, self.waiting[0][0] - now) if self.waiting else 0.05

    def _request(self, conn, method: str, path: str, body: dict | None) -> tuple[int, dict]:
        conn.request(method, path, json.dumps(body) if body is not None else None, self.headers)
        response = conn.getresponse()
        payload = json.loads(response.read() or b"{}")
        with self.lock:
            self.statuses[response.status] += 1
        return response.status, payload

    def _expect(self, status: int, wanted: int, what: str, payload: dict) -> bool:
        if status != wanted:
            with self.lock:
                self.unexpected.append(f"{what}: {status} {json.dumps(payload)[:300]}")
            return False
        return True

    def _open_and_intake(self, n: int, request, helper) -> None:
        client = {"first_name": f"Client{n}", "last_name": "Scale", "birth_date": "1950-01-01"}
        status, case = request("POST", "/api/cases", {"client": client, "process": "scale_out",
                                                      "confirm_new_client": True})
        if not self._expect(status, 201, f"opening case {n}", case):
            return self._give_up()
        with self.lock:
            self.case_ids.append(case["id"])
        intake = [t for t in case["tasks"] if t["bpmn_id"] == "intake"]
        assert len(intake) == 1, case["tasks"]
        path = f"/api/tasks/{intake[0]['id']}/complete"
        if n % DUPLICATE_EVERY == 0:
            # Two clients, one on each server, complete the same task at the same instant.
            barrier = threading.Barrier(2)

            def complete_on(server: int):
                barrier.wait()
                return request("POST", path, ANSWER, server=server)

            other = helper.submit(complete_on, 1)
            pair = [complete_on(0), other.result()]
            with self.lock:
                self.duplicates.append((case["id"], [(s, p.get("error", {}).get("message", "")) for s, p in pair]))
            done = any(s == 200 for s, _ in pair)
        else:
            status, answer = request("POST", path, ANSWER)
            done = self._expect(status, 200, f"completing the intake of case {case['id']}", answer)
        if not done:
            return self._give_up()
        with self.lock:
            self.completions += 1
            heapq.heappush(self.waiting, (time.monotonic() + TIMER_SECONDS + 0.3, case["id"]))

    def _call(self, case_id: int, request) -> None:
        status, case = request("GET", f"/api/cases/{case_id}")
        if not self._expect(status, 200, f"reading case {case_id}", case):
            return self._give_up()
        calls = [t for t in case["tasks"] if t["bpmn_id"] == "call"]
        if not calls:  # its timer has not fired yet: look again shortly
            with self.lock:
                heapq.heappush(self.waiting, (time.monotonic() + 0.5, case_id))
            return
        status, answer = request("POST", f"/api/tasks/{calls[0]['id']}/complete", ANSWER)
        if self._expect(status, 200, f"completing the call of case {case_id}", answer):
            with self.lock:
                self.completions += 1
        self._give_up()  # finished, one way or the other

    def _give_up(self) -> None:
        with self.lock:
            self.finished += 1


def _token(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/api/auth/token", json.dumps({"username": "carol", "password": PASSWORD}),
                 {"Content-Type": "application/json"})
    response = conn.getresponse()
    body = json.loads(response.read())
    assert response.status == 200, body
    return body["token"]


def _fired_by(logs: dict[str, str]) -> dict[str, int]:
    """Timers each process says it fired (the poller logs "fired N timer(s)")."""
    fired = {}
    for name, text in logs.items():
        fired[name] = sum(int(line.split("fired ")[1].split()[0]) for line in text.splitlines()
                          if "casepath.timers" in line and "fired " in line)
    return fired


def test_two_servers_and_three_workers_drive_a_thousand_cases_consistently(scale_database, fleet, request):
    url, engine = scale_database
    started = time.monotonic()
    for n in range(SERVERS):
        fleet.serve(f"serve{n + 1}")
    for n in range(WORKERS):
        fleet.start(f"worker{n + 1}", ["worker"])
    fleet.wait_until_listening()
    clients = Clients(fleet.ports, _token(fleet.ports[0]))
    driving = time.monotonic()
    clients.run(CLIENTS)
    driven = time.monotonic() - driving
    fleet.stop()
    logs = fleet.logs()

    # What the clients saw: no server error, nothing unexpected, each double completion one
    # success and one clear conflict.
    assert not [s for s in clients.statuses if s >= 500], (clients.statuses, logs)
    assert clients.unexpected == [], clients.unexpected[:10]
    assert len(clients.case_ids) == CASES
    assert len(clients.duplicates) == CASES // DUPLICATE_EVERY
    for case_id, pair in clients.duplicates:
        assert sorted(status for status, _ in pair) == [200, 409], (case_id, pair)
        assert [m for s, m in pair if s == 409] == ["task 'Intake interview' was already completed"], pair
    assert clients.completions == 2 * CASES
    for name, text in logs.items():
        assert "Traceback" not in text and "failed" not in text.lower(), f"{name}:\n{text[-3000:]}"

    # Every case, as the engine loads it: its workflow ran to the end, and its rows say the same.
    with engine.sessions() as session:
        cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(clients.case_ids)))}
        tasks = defaultdict(list)
        for task in session.scalars(select(HumanTask)):
            tasks[task.case_id].append(task)
        timers_left = session.scalars(select(Timer)).all()
        events = session.scalars(select(AuditEvent).where(AuditEvent.case_id.is_not(None))
                                 .order_by(AuditEvent.id)).all()
        entries = Counter((e.case_id, e.bpmn_id) for e in session.scalars(
            select(RecordEntry).where(RecordEntry.bpmn_id.in_(["intake", "call"]))))
    assert timers_left == [], "every timer fired"
    for case_id in clients.case_ids:
        view = engine.cases.get_case(ENGINE, case_id)
        assert (view["status"], view["stage"], view["error"]) == ("completed", "closed", None), view
        assert view["process"]["active_elements"] == [] and view["tasks"] == [] and view["timers"] == [], view
        case_tasks = tasks[case_id]
        assert sorted((t.bpmn_id, t.state, t.completed_by) for t in case_tasks) == [
            ("call", "completed", "carol"), ("intake", "completed", "carol")], case_id
        assert (cases[case_id].status, cases[case_id].stage) == ("completed", "closed")
        assert entries[(case_id, "intake")] == entries[(case_id, "call")] == 1, case_id

    # The audit trail: each task opened and completed once, each timer scheduled and fired
    # once, the stages in order, and nothing went wrong anywhere.
    kinds = Counter(e.kind for e in events)
    by_case = defaultdict(list)
    for event in events:
        by_case[event.case_id].append(event)
    completed = Counter(e.data["task_id"] for e in events if e.kind == "task_completed")
    fired = Counter(e.data["timer_id"] for e in events if e.kind == "timer_fired")
    assert set(completed.values()) == {1} and len(completed) == 2 * CASES, "no task completed twice"
    assert set(fired.values()) == {1} and len(fired) == CASES, "no timer fired twice"
    assert not {"incident", "step_failed", "task_cancelled", "timer_cancelled"} & set(kinds), kinds
    for case_id in clients.case_ids:
        mine = Counter(e.kind for e in by_case[case_id])
        assert (mine["case_opened"], mine["task_created"], mine["task_completed"], mine["timer_scheduled"],
                mine["timer_fired"]) == (1, 2, 2, 1, 1), (case_id, mine)
        assert [(e.data["from"], e.data["to"]) for e in by_case[case_id] if e.kind == "stage_changed"] == [
            ("screening", "assessment"), ("assessment", "monitoring"), ("monitoring", "closed")], case_id
        assert {e.data["task_id"] for e in by_case[case_id] if e.kind == "task_completed"} == {
            t.id for t in tasks[case_id]}, case_id
    assert engine.record.verify(ENGINE)["breaks"] == [], "every case's hash chains intact"

    took = time.monotonic() - started
    by_process = _fired_by(logs)
    assert sum(by_process.values()) == CASES, by_process
    figure = (f"scale-out: {CASES} cases, {SERVERS} servers + {WORKERS} workers, {CLIENTS} clients: "
              f"{took:.1f} s in all, {driven:.1f} s driving, {clients.completions / driven:.1f} completions/s, "
              f"{sum(by_process.values())} timers fired ({', '.join(f'{k} {v}' for k, v in by_process.items())}), "
              f"{len(clients.duplicates)} double completions refused once each; HTTP statuses {dict(clients.statuses)}")
    request.node.user_properties.append(("figure", figure))  # shown at the end of the run, CI log included
    print("\n" + figure)
