"""The Flask app factory."""
from __future__ import annotations

from flask import Flask

from engine.cases import CaseEngine
from engine.clock import clock_from_environment
from engine.db import make_engine, session_factory
from engine.forms import FormCatalog

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
    )
    app.extensions["casepath"] = engine or build_engine(settings)

    from .api import api
    from .errors import register_error_handlers
    from .pages import pages

    app.register_blueprint(api)
    app.register_blueprint(pages)
    register_error_handlers(app)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", "default-src 'self'")
        return response

    return app


def case_engine(app: Flask | None = None) -> CaseEngine:
    from flask import current_app

    return (app or current_app).extensions["casepath"]
