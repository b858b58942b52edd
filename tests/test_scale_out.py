"""Scale-out: two `casepath serve` and three `casepath worker` processes on one PostgreSQL.

A thousand cases are driven at once through the JSON API (sixteen clients split over both
servers) while the five timer pollers fire the two-second timer each case waits on. Some
tasks are completed by two clients at the same instant: one succeeds, the other is told
409. Afterwards, with every process stopped, each case is checked: its workflow (loaded
through the engine), its open-task and timer rows, its stage and status and its audit
trail agree; no timer fired twice and no task was completed twice.

The case is tests/scale_out/scale_out.bpmn: intake (assessment) → PT2S → call
(monitoring) → end (closed); a call not completed within PT4S is withdrawn by its
interrupting timer and an escalation opens instead. Every tenth case completes its call
just as that timer falls due, so a person and a timer race for one task.
"""
from __future__ import annotations

import heapq
import http.client
import json
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import select

from engine.clock import Clock
from engine.definitions.forms import FormCatalog
from engine.facade import CaseEngine
from engine.policy import ENGINE, operator
from engine.store.db import make_engine, session_factory, upgrade
from engine.store.models import AuditEvent, Case, HumanTask, RecordEntry, Timer
from tests.support.paths import ROOT, TESTS
from tests.support.people import CHEAP_HASHING, PASSWORD
from tests.support.postgres import PostgresUnreachable, fresh_schema

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CASES = int(os.environ.get("CASEPATH_SCALE_OUT_CASES", "1000"))
CLIENTS = 16
SERVERS, WORKERS = 2, 3
SCAN_SECONDS = 0.5  # how often a client reads the open tasks
DUPLICATE_EVERY = 10  # every tenth case has its intake completed by two clients at once
RACE_EVERY = 10  # every tenth case (not one with a double intake) completes its call as the call's timer falls due
GIVE_UP_SECONDS = 600  # the clients stop (and the test fails) if the cases are not all done by then
ANSWER = {"data": {"outcome": "spoke with the client"}}


@pytest.fixture
def scale_database(tmp_path):
    """A fresh schema on the shared PostgreSQL, migrated, with the scale-out diagram deployed
    (timer minimum PT1S) and carol, a case manager; skipped when PostgreSQL is not there."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(fresh_schema("scale"))
        except PostgresUnreachable as unreachable:
            pytest.skip(str(unreachable))
        db = make_engine(url)
        stack.callback(db.dispose)
        upgrade(db)
        engine = CaseEngine(session_factory(db), Clock(), FormCatalog(TESTS / "forms"), case_process="scale_out",
                            password_hasher=CHEAP_HASHING, timer_minimum="PT1S", caseload_limit=None)
        engine.processes.deploy_path(operator("ada"), TESTS / "scale_out")
        engine.identity.add_user("carol", PASSWORD, ["case_manager"], "north")
        yield url, engine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass  # it ended meanwhile


class Fleet:
    """The casepath processes of one deployment, each in its own process group, their output
    in files; stop() ends them all (SIGTERM, then SIGKILL), and runs even when the test fails."""

    def __init__(self, url: str, tmp_path):
        self.tmp_path = tmp_path
        # The real clock (no CASEPATH_NOW): timers fall due as the test runs.
        self.env = {**os.environ, "DATABASE_URL": url, "CASEPATH_ENV": "test", "SECRET_KEY": "scale-out" * 4,
                    "CASEPATH_FORMS_DIR": str(TESTS / "forms"), "CASEPATH_PROCESSES_DIR": str(TESTS / "scale_out"),
                    "CASEPATH_INSTANCE_DIR": str(tmp_path / "instance"), "CASEPATH_CASE_PROCESS": "scale_out",
                    "CASEPATH_TIMER_MINIMUM": "PT1S", "CASEPATH_TIMER_POLL_SECONDS": "1",
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

    def cpu(self) -> dict[str, float]:
        """CPU seconds (user + system) each running process has used so far (Linux /proc)."""
        used = {}
        for name, process, _ in self.processes:
            try:
                with open(f"/proc/{process.pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[name] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return used

    def stop(self) -> None:
        for _, process, _ in self.processes:
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _, process, log in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
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

    A client opens a case and completes its intake; the case then waits for its timer. Twice
    a second a client reads the open tasks and hands out those that opened: the call, or the
    escalation when the call's own timer withdrew it first, each completed by the next free
    client. For every RACE_EVERY-th case the call is completed at the instant its timer falls
    due, so person and timer race for one task: whichever wins, the other is refused.
    Every status is kept; duplicate completions record the pair of statuses they got."""

    def __init__(self, ports: list[int], token: str):
        self.ports = ports
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        self.lock = threading.Lock()
        self.next_case = 0
        self.finished = 0
        self.sequence = 0
        self.waiting: list[tuple] = []  # (when, sequence, job, case id, task id)
        self.statuses: Counter = Counter()
        self.unexpected: list[str] = []
        self.duplicates: list[tuple[int, list[tuple[int, str]]]] = []
        self.completions = 0
        self.case_ids: list[int] = []
        self.number: dict[int, int] = {}  # case id -> the client's count of it
        self.lost_races = 0  # completions refused because the timer had withdrawn the call
        self.handed_out: set[str] = set()  # tasks the scan has given to a client
        self.deadline = time.monotonic() + GIVE_UP_SECONDS
        self.stopped = False  # a client failed: the others stop too
        self._later(SCAN_SECONDS, "scan", 0)

    def run(self, clients: int) -> None:
        with ThreadPoolExecutor(clients) as pool:
            for future in [pool.submit(self._client, n) for n in range(clients)]:
                future.result()

    def _later(self, seconds: float, job: str, case_id: int, task_id: str | None = None) -> None:
        with self.lock:
            self.sequence += 1
            heapq.heappush(self.waiting, (time.monotonic() + seconds, self.sequence, job, case_id, task_id))

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
                kind, *args = job
                if kind == "sleep":
                    time.sleep(args[0])
                elif kind == "open":
                    self._open_and_intake(args[0], request, helper)
                elif kind == "scan":
                    self._scan(request)
                elif kind == "race":
                    self._race(args[0], args[1], request)
                else:
                    self._complete(args[0], args[1], request)
        except BaseException:
            self.stopped = True
            raise
        finally:
            helper.shutdown()
            for conn in connections:
                conn.close()

    def _next_job(self):
        with self.lock:
            now = time.monotonic()
            if self.stopped:
                return None
            if self.waiting and self.waiting[0][0] <= now:
                _, _, job, case_id, task_id = heapq.heappop(self.waiting)
                return job, case_id, task_id
            if self.next_case < CASES:
                self.next_case += 1
                return "open", self.next_case
            if self.finished == CASES:
                return None
            if now > self.deadline:
                self.unexpected.append(f"gave up after {GIVE_UP_SECONDS} s with {CASES - self.finished} case(s) "
                                       "unfinished")
                self.stopped = True
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
            return self._finish()
        with self.lock:
            self.case_ids.append(case["id"])
            self.number[case["id"]] = n
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
            return self._finish()
        self._counted()

    def _scan(self, request) -> None:
        """Read the open tasks (the inbox, one request for every case) and hand out what
        opened since the last look: an escalation or a call to complete now, or for a racing
        case, its call to complete when the call's timer falls due."""
        with self.lock:
            if self.finished == CASES:
                return
        status, tasks = request("GET", "/api/tasks?limit=1000")
        self._later(SCAN_SECONDS, "scan", 0)
        if not self._expect(status, 200, "reading the open tasks", tasks):
            return
        with self.lock:
            new = [t for t in tasks if t["bpmn_id"] != "intake" and t["id"] not in self.handed_out]
            self.handed_out.update(t["id"] for t in new)
        for task in new:
            if task["bpmn_id"] == "call" and self.number[task["case_id"]] % RACE_EVERY == RACE_EVERY // 2:
                self._later(0, "race", task["case_id"], task["id"])
            else:
                self._later(0, "complete", task["case_id"], task["id"])

    def _race(self, case_id: int, task_id: str, request) -> None:
        """Complete the call at about the instant its timer withdraws it (a little before or after)."""
        status, case = request("GET", f"/api/cases/{case_id}")
        if not self._expect(status, 200, f"reading case {case_id}", case):
            return self._finish()
        due = [t["due_at"] for t in case["timers"] if t["bpmn_id"] == "no_answer"]
        if not due:  # the timer fired already: the scan hands out the escalation
            return
        until_due = datetime.fromisoformat(due[0]).timestamp() - time.time()
        self._later(until_due + random.uniform(-0.3, 0.5), "complete", case_id, task_id)

    def _complete(self, case_id: int, task_id: str, request) -> None:
        status, answer = request("POST", f"/api/tasks/{task_id}/complete", ANSWER)
        if status == 409 and answer.get("error", {}).get("message") == "task 'Call the client' was already cancelled":
            with self.lock:
                self.lost_races += 1
            return  # the timer won: the scan hands out the escalation
        if self._expect(status, 200, f"completing task {task_id} of case {case_id}", answer):
            self._counted()
        self._finish()

    def _counted(self) -> None:
        with self.lock:
            self.completions += 1

    def _finish(self) -> None:
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
    listening = time.monotonic() - started
    clients = Clients(fleet.ports, _token(fleet.ports[0]))
    driving = time.monotonic()
    clients.run(CLIENTS)
    driven = time.monotonic() - driving
    cpu = fleet.cpu()  # seconds of CPU each process used: the wall time depends on the machine's load
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
    assert clients.completions == 2 * CASES, "intake, then the call or its escalation, in every case"
    for name, text in logs.items():
        assert "Traceback" not in text and "failed" not in text.lower(), f"{name}:\n{text[-3000:]}"

    # Every case, as the engine loads it: its workflow ran to the end, and its rows say the same.
    with engine.sessions() as session:
        cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(clients.case_ids)))}
        tasks = defaultdict(dict)
        for task in session.scalars(select(HumanTask)):
            tasks[task.case_id][task.bpmn_id] = (task.state, task.completed_by, task.id)
        timers_left = session.scalars(select(Timer)).all()
        events = session.scalars(select(AuditEvent).where(AuditEvent.case_id.is_not(None))
                                 .order_by(AuditEvent.id)).all()
        entries = Counter((e.case_id, e.bpmn_id) for e in session.scalars(select(RecordEntry)) if e.bpmn_id)
    assert timers_left == [], "every timer fired or was withdrawn"
    by_case = defaultdict(list)
    for event in events:
        by_case[event.case_id].append(event)
    escalated = {case_id for case_id in clients.case_ids if "escalate" in tasks[case_id]}
    for case_id in clients.case_ids:
        view = engine.cases.get_case(ENGINE, case_id)
        assert (view["status"], view["stage"], view["error"]) == ("completed", "closed", None), view
        assert view["process"]["active_elements"] == [] and view["tasks"] == [] and view["timers"] == [], view
        assert (cases[case_id].status, cases[case_id].stage) == ("completed", "closed")
        states = {bpmn_id: (state, by) for bpmn_id, (state, by, _) in tasks[case_id].items()}
        if case_id in escalated:  # the timer won: the call was withdrawn, the escalation done
            assert states == {"intake": ("completed", "carol"), "call": ("cancelled", None),
                              "escalate": ("completed", "carol")}, (case_id, states)
        else:
            assert states == {"intake": ("completed", "carol"), "call": ("completed", "carol")}, (case_id, states)
        done = [b for b, (state, _) in states.items() if state == "completed"]
        assert {b: entries[(case_id, b)] for b in ("intake", "call", "escalate")} == {
            b: int(b in done) for b in ("intake", "call", "escalate")}, case_id

    # The audit trail: each task opened and completed once, each timer scheduled once and then
    # either fired or withdrawn once (the call's timer fires only when it withdrew the call),
    # the stages in order, and nothing went wrong anywhere.
    kinds = Counter(e.kind for e in events)
    completed = Counter(e.data["task_id"] for e in events if e.kind == "task_completed")
    fired = Counter(e.data["timer_id"] for e in events if e.kind == "timer_fired")
    assert set(completed.values()) == {1} and len(completed) == 2 * CASES, "no task completed twice"
    assert set(fired.values()) == {1} and len(fired) == CASES + len(escalated), "no timer fired twice"
    assert not {"incident", "step_failed"} & set(kinds), kinds
    for case_id in clients.case_ids:
        mine = Counter(e.kind for e in by_case[case_id])
        escalation = int(case_id in escalated)
        assert (mine["case_opened"], mine["task_created"], mine["task_completed"], mine["task_cancelled"],
                mine["timer_scheduled"], mine["timer_fired"], mine["timer_cancelled"]) == (
            1, 2 + escalation, 2, escalation, 2, 1 + escalation, 1 - escalation), (case_id, mine)
        # Every timer the trail says was set, it says fired or was withdrawn, once.
        timer_ends = {kind: {e.bpmn_id: e.data["timer_id"] for e in by_case[case_id] if e.kind == kind}
                      for kind in ("timer_scheduled", "timer_fired", "timer_cancelled")}
        assert set(timer_ends["timer_fired"]) == ({"wait", "no_answer"} if escalation else {"wait"}), (case_id, mine)
        assert set(timer_ends["timer_cancelled"]) == (set() if escalation else {"no_answer"}), (case_id, mine)
        assert {**timer_ends["timer_fired"], **timer_ends["timer_cancelled"]} == timer_ends["timer_scheduled"], case_id
        assert [(e.data["from"], e.data["to"]) for e in by_case[case_id] if e.kind == "stage_changed"] == [
            ("screening", "assessment"), ("assessment", "monitoring"), ("monitoring", "closed")], case_id
        assert {e.data["task_id"] for e in by_case[case_id] if e.kind == "task_completed"} == {
            task_id for state, _, task_id in tasks[case_id].values() if state == "completed"}, case_id
    assert engine.record.verify(ENGINE)["breaks"] == [], "every case's hash chains intact"

    took = time.monotonic() - started
    by_process = _fired_by(logs)
    assert sum(by_process.values()) == CASES + len(escalated), by_process
    servers_cpu = sum(v for k, v in cpu.items() if k.startswith("serve"))
    figure = (f"scale-out: {CASES} cases, {SERVERS} servers + {WORKERS} workers, {CLIENTS} clients: "
              f"{took:.1f} s in all ({listening:.1f} s starting, {driven:.1f} s driving), "
              f"{clients.completions / driven:.1f} completions/s, CPU s: servers {servers_cpu:.0f}, "
              f"workers {sum(cpu.values()) - servers_cpu:.0f}, load average {os.getloadavg()[0]:.1f}; "
              f"{sum(by_process.values())} timers fired ({', '.join(f'{k} {v}' for k, v in by_process.items())}), "
              f"{len(escalated)} calls withdrawn by their timer ({clients.lost_races} of them while a client was "
              f"completing them), {len(clients.duplicates)} double completions refused once each; "
              f"HTTP statuses {dict(sorted(clients.statuses.items()))}")
    request.node.user_properties.append(("figure", figure))  # conftest prints it at the end of the run
