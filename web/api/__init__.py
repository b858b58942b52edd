"""The JSON API under /api (shared/API.md)."""
from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api")

from . import auth, cases, designer, openapi, process_models, tasks  # noqa: E402,F401  (routes register on import)
