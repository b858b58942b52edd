"""The Flask app factory."""
from __future__ import annotations

from flask import Flask, request

from engine.facade import CaseEngine
from engine.clock import clock_from_environment
from engine.store.db import make_engine, session_factory
from engine.definitions.forms import FormCatalog

from .config import Settings


def build_engine(settings: Settings) -> CaseEngine:
    db = make_engine(settings.database_url)
    return CaseEngine(session_factory(db), clock_from_environment(settings.env, settings.now),
                      FormCatalog(settings.forms_dir), case_process=settings.case_process,
                      max_file_bytes=settings.max_upload_bytes)


def create_app(overrides: dict | None = None, engine: CaseEngine | None = None) -> Flask:
    settings = Settings.from_environment(overrides)
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # Several BPMN/DMN files of up to max_upload_bytes each in one deploy.
        MAX_CONTENT_LENGTH=settings.max_upload_bytes * 4,
        JSON_SORT_KEYS=False,
        CASEPATH=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env == "production",
        SESSION_COOKIE_NAME="casepath_session",
    )
    app.extensions["casepath"] = engine or build_engine(settings)

    from .api import api
    from .errors import register_error_handlers
    from .pages import pages
    from .ui import ui
    from .ui.session import LoginThrottle

    app.extensions["casepath.login_throttle"] = LoginThrottle()
    app.register_blueprint(api)
    app.register_blueprint(pages)
    app.register_blueprint(ui)
    from .designer import designer

    app.register_blueprint(designer)
    register_error_handlers(app)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # Scripts only from this server; bpmn-js sets inline style attributes on the SVG it draws.
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                    "img-src 'self' data:; font-src 'self' data:; object-src 'none'; "
                                    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.path != "/healthz" and not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")  # case data stays off shared caches
        return response

    return app


def case_engine(app: Flask | None = None) -> CaseEngine:
    from flask import current_app

    return (app or current_app).extensions["casepath"]
