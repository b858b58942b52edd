"""The JSON API under /api (shared/API.md)."""
from . import auth, cases, designer, openapi, process_models, reports, retention, tasks  # noqa: F401  (routes register on import)
from .blueprint import api

__all__ = ["api"]
