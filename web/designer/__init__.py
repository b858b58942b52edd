"""The process designer in the browser (administrators only; anyone else gets "not found").

The pages are shells: the bpmn-js and dmn-js modelers (vendored, served from here) and
static/designer/*.js do the editing and talk to the designer's JSON API with the
sign-in session and its CSRF token.
"""
from . import pages  # noqa: F401  (routes register on import)
from .blueprint import designer

__all__ = ["designer"]
