"""A request whose address carries a NUL byte is refused before anything reads it:
PostgreSQL cannot even compare such text, and no page or filter needs one."""
from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import BadRequest


def register_request_guard(app: Flask) -> None:
    @app.before_request
    def _no_nul_in_the_address():
        parts = [request.path, *request.args.keys(), *request.args.values()]
        if any("\x00" in part for part in parts):
            raise BadRequest("the address holds a NUL character; remove it and try again")
