"""The Flask app factory: builds the engine and the app, registers the blueprints. Nothing imports it
but the package itself and the command line; views reach the engine through web.context."""
from __future__ import annotations

from flask import Flask

from engine.facade import CaseEngine
from engine.clock import clock_from_environment
from engine.store.db import make_engine, session_factory
from engine.definitions.forms import FormCatalog

from .api import api
from .config import Settings
from .context import ENGINE_KEY
from .designer import designer
from .accounting import register_access_reasons
from .request_guard import register_request_guard
from .converters import register_converters
from .errors import register_error_handlers
from .headers import add_security_headers
from .pages import pages
from .template_helpers import register_template_helpers
from .ui import ui


def build_engine(settings: Settings) -> CaseEngine:
    db = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    return CaseEngine(session_factory(db), clock_from_environment(settings.env, settings.now),
                      FormCatalog(settings.forms_dir), case_process=settings.case_process,
                      max_file_bytes=settings.max_upload_bytes, timer_minimum=settings.timer_minimum,
                      script_time_limit=settings.script_time_limit, caseload_limit=settings.caseload_limit,
                      review_sample_size=settings.review_sample_size, review_seed=settings.review_seed,
                      note_deadline_days=settings.note_deadline_days,
                      referral_follow_up_days=settings.referral_follow_up_days,
                      timer_worker_slots=settings.timer_workers)


def create_app(overrides: dict | None = None, engine: CaseEngine | None = None) -> Flask:
    settings = Settings.from_environment(overrides)
    # root_path is web/: web/templates and web/static serve every blueprint.
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    register_converters(app)  # before any blueprint adds its routes
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
    app.extensions[ENGINE_KEY] = engine or build_engine(settings)
    for blueprint in (api, pages, ui, designer):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    register_access_reasons(app)
    register_request_guard(app)
    register_template_helpers(app)
    app.after_request(add_security_headers)
    return app
