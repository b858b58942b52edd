"""What the factory hangs on the app, for views to reach: the engine, the settings, the login throttle.

The one way from a request to the engine, so no view needs the factory (web/app.py)
and the import graph stays acyclic.
"""
from __future__ import annotations

from flask import current_app

from engine.facade import CaseEngine

from .config import Settings
from engine.services.sign_in_throttle import SignInThrottle

ENGINE_KEY = "casepath"


def engine() -> CaseEngine:
    return current_app.extensions[ENGINE_KEY]


def settings() -> Settings:
    return current_app.config["CASEPATH"]


def login_throttle() -> SignInThrottle:
    """Failed sign-ins, kept by the engine in the database: shared by every serving process."""
    return engine().sign_ins
