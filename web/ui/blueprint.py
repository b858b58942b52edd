"""The UI's blueprint, alone in its module so the page modules can import it without a cycle."""
from flask import Blueprint

from ..csrf import require_csrf

ui = Blueprint("ui", __name__)

# Every change, sign-in included, carries the session's CSRF token.
ui.before_request(require_csrf)
