"""Task completions per second over HTTP on PostgreSQL, with 4/8/16 clients at once.

Seeds cases of tests/processes/monitoring_loop.bpmn (each with one open 'Log monitoring
contact' task), starts `casepath serve --workers W` against them, and has N client
threads each complete their own tasks through POST /api/tasks/{id}/complete (JSON,
bearer token, keep-alive), as fast as the server answers. Prints completions/s and the
latency clients saw, for each number of server processes and clients.

    python bench/http_throughput.py [--completions 300] [--clients 4,8,16] [--workers 1,2] [--write]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

from common import CLIENT, ROOT, START, TEST_FORMS, TEST_PROCESSES, percentiles, schema_url, schemas
from report import load, write_section
from timers import progress

from engine.clock import FixedClock
from engine.definitions.forms import FormCatalog
from engine.facade import CaseEngine
from engine.policy import operator
from engine.store.db import make_engine, session_factory, upgrade

CONTACT = {"note": "Weekly call: meals arriving, mood good", "done": False}
PASSWORD = "bench-password-1"


def seed(url: str, count: int) -> list[str]:
    db = make_engine(url)
    upgrade(db)
    engine = CaseEngine(session_factory(db), FixedClock(START), FormCatalog(TEST_FORMS),
                        case_process="monitoring_loop")
    engine.processes.deploy_path(operator("bench"), TEST_PROCESSES)
    carol = engine.identity.add_user("carol", PASSWORD, ["case_manager"], "north")
    started, tasks = time.perf_counter(), []
    for done in range(1, count + 1):
        tasks.append(engine.cases.open_case(carol, CLIENT, confirm_new_client=True)["tasks"][0]["id"])
        if done % 50 == 0 or done == count:
            progress(done, count, started)
    db.dispose()
    return tasks


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, workers: int, tmp: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "CASEPATH_NOW": START.isoformat(), "CASEPATH_ENV": "test",
           "CASEPATH_FORMS_DIR": str(TEST_FORMS), "CASEPATH_INSTANCE_DIR": tmp, "SECRET_KEY": "bench" * 8,
           "CASEPATH_CASE_PROCESS": "monitoring_loop", "PYTHONPATH": str(ROOT),
           "CASEPATH_TIMER_POLL_SECONDS": "3600"}  # the server's poller must not compete with the clients
    server = subprocess.Popen([sys.executable, "-m", "web", "serve", "--port", str(port), "--workers", str(workers),
                               "--threads", "8"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def token(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("POST", "/api/auth/token", json.dumps({"username": "carol", "password": PASSWORD}),
                 {"Content-Type": "application/json"})
    return json.loads(conn.getresponse().read())["token"]


def drive(port: int, bearer: str, tasks: list[str], clients: int) -> tuple[float, dict]:
    """Complete `tasks` with `clients` threads; the wall time and the latencies they saw."""
    shares = [tasks[i::clients] for i in range(clients)]
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(mine: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {bearer}"}
        body = json.dumps({"data": CONTACT})
        for task_id in mine:
            started = time.perf_counter()
            conn.request("POST", f"/api/tasks/{task_id}/complete", body, headers)
            response = conn.getresponse()
            response.read()
            with lock:
                latencies.append(time.perf_counter() - started)
                if response.status != 200:
                    failures.append(f"{task_id}: {response.status}")

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} completions failed, e.g. {failures[:3]}")
    return elapsed, percentiles(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--completions", type=int, default=300, help="per row of the table")
    parser.add_argument("--clients", default="4,8,16")
    parser.add_argument("--workers", default="1,2", help="server processes to try")
    parser.add_argument("--write", action="store_true", help="write the table into docs/PERFORMANCE.md")
    args = parser.parse_args()
    clients = [int(n) for n in args.clients.split(",")]
    workers = [int(n) for n in args.workers.split(",")]
    lines = ["| server processes | clients | completions/s | p50 ms | p95 ms | load average |",
             "|---|---|---|---|---|---|"]
    with schemas() as (make, _admin), tempfile.TemporaryDirectory() as tmp:
        schema = make()
        url = schema_url(schema)
        tasks = seed(url, args.completions * len(clients) * len(workers))
        for w in workers:
            server, port = start_server(url, w, tmp)
            try:
                bearer = token(port)
                for c in clients:
                    batch, tasks = tasks[:args.completions], tasks[args.completions:]
                    elapsed, stats = drive(port, bearer, batch, c)
                    lines.append(f"| {w} | {c} | {len(batch) / elapsed:.0f} | {stats['p50']:.1f} | "
                                 f"{stats['p95']:.1f} | {load()} |")
                    print(lines[-1], flush=True)
            finally:
                server.terminate()
                server.wait(timeout=60)
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_section("HTTP task completions on PostgreSQL",
                      f"python bench/http_throughput.py --completions {args.completions} --clients {args.clients} "
                      f"--workers {args.workers}",
                      "Each client completes its own tasks one after another over one keep-alive connection "
                      "(POST /api/tasks/{id}/complete); the server runs `casepath serve --workers W --threads 8`, "
                      "on the same machine as the clients and PostgreSQL.\n\n" + table)


if __name__ == "__main__":
    main()
