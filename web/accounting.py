"""Every request says why it reads: its page or API route, which the engine writes beside
each read of a client's record (engine.policy.account_read)."""
from __future__ import annotations

from flask import Flask, g, request

from engine.policy import set_access_reason


def register_access_reasons(app: Flask) -> None:
    @app.before_request
    def _reason():
        g.access_reason = set_access_reason(f"{request.method} {request.path}")

    @app.teardown_request
    def _forget(_exc=None):
        token = g.pop("access_reason", None)
        if token is not None:
            token.var.reset(token)
