"""What the factory hangs on the app, for views to reach: the engine, the settings, the login throttle.

The one way from a request to the engine, so no view needs the factory (web/app.py)
and the import graph stays acyclic.
"""
from __future__ import annotations

from flask import current_app

from engine.facade import CaseEngine

from .config import Settings
from .throttle import LoginThrottle

ENGINE_KEY = "casepath"
THROTTLE_KEY = "casepath.login_throttle"


def engine() -> CaseEngine:
    return current_app.extensions[ENGINE_KEY]


def settings() -> Settings:
    return current_app.config["CASEPATH"]


def login_throttle() -> LoginThrottle:
    return current_app.extensions[THROTTLE_KEY]
