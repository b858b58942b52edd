"""Serving the app on every core: several processes, each with its threads.

One Python process runs one request's Python at a time (the GIL), so `serve --workers N`
starts N processes (gunicorn, pre-fork, threads in each) sharing the port. Each process
builds its own app and engine after the fork (nothing opened before it is shared), sizes
its connection pool to its threads, and runs the timer poller: timers are claimed per
case under a row lock (engine/services/timers.py), so N pollers still fire each timer
once. One process (`--workers 1`) stays on waitress, as before.
"""
from __future__ import annotations

import logging
from typing import Callable

from flask import Flask

log = logging.getLogger("casepath.server")


def serve_processes(build_app: Callable[[], Flask], start_poller: Callable[[Flask], None], host: str, port: int,
                    workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            for key, value in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                               "worker_class": "gthread", "preload_app": False, "proc_name": "casepath",
                               # a step may wait on a row lock held by a slow one: do not kill the worker early
                               "timeout": 120, "graceful_timeout": 30, "accesslog": None}.items():
                self.cfg.set(key, value)

        def load(self):
            app = build_app()
            start_poller(app)
            return app

    Server().run()
