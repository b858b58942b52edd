"""casepath's web layer: the Flask app factory, the JSON API and the command line.

The web layer talks to the engine's API only (engine.cases.CaseEngine); it never
touches SpiffWorkflow or the tables directly.
"""
from .app import create_app

__all__ = ["create_app"]
