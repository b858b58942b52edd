"""Every error the web answers, registered once on the app.

Under /api the body is JSON, {"error": {"code", "message", "details"}} (shared/API.md);
everywhere else it is the error page (templates/error.html). Both use the same statuses.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from engine.errors import (BadRequest, Conflict, DeploymentInvalid, EngineError, Forbidden, InvalidData, NotFound,
                           StepFailed)

log = logging.getLogger("casepath.web")


class Unauthorized(EngineError):
    """No API token, a bad one, or a session-cookie change without its CSRF header."""
    code = "unauthorized"


STATUS = {
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidData: 422,
    DeploymentInvalid: 422,
    StepFailed: 422,
}
PAGE_TITLES = {403: "Not allowed", 409: "Someone got there first"}
UNEXPECTED = "something went wrong on the server; nothing was changed"


def status_of(exc: EngineError) -> int:
    return next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)


def wants_json() -> bool:
    return request.path.startswith("/api")


def error_response(status: int, code: str, message: str, details: list | None = None) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "details": details or []}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="casepath"'
    return response


def error_page(status: int, title: str, message: str) -> Response:
    try:
        body = render_template("error.html", status=status, title=title, message=message)
    except Exception:  # the page itself failed (the database is down, say): plain text still answers
        log.exception("the error page could not be rendered")
        body = f"{title}: {message}"
    return make_response(body, status)


def _engine_error(exc: EngineError) -> Response:
    status = status_of(exc)
    if wants_json():
        return error_response(status, exc.code, exc.message, exc.details)
    if isinstance(exc, NotFound):
        # A case or task the user may not see answers "not found", exactly as a missing one.
        return error_page(404, "Not found", "There is nothing here, or you do not have access to it.")
    details = "; ".join(d.get("message", "") for d in exc.details if d.get("message"))
    return error_page(status, PAGE_TITLES.get(status, "That did not work"),
                      exc.message + (f": {details}" if details else ""))


def _http_error(exc: HTTPException) -> Response:
    if wants_json():
        code = (exc.name or "error").lower().replace(" ", "_")
        return error_response(exc.code or 500, code, exc.description or exc.name)
    response = error_page(exc.code or 500, exc.name, exc.description or exc.name)
    for name, value in exc.get_headers():  # Allow on 405, Retry-After on 429, ...
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return error_response(500, "internal_error", UNEXPECTED)
    return error_page(500, "Something went wrong", UNEXPECTED.capitalize() + ".")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(EngineError, _engine_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
