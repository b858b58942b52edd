"""The API's blueprint, alone in its module so the route modules can import it without a cycle."""
from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api")
