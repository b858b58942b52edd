"""Plain endpoints outside the API and the signed-in pages: the health check, the icon."""
from flask import Blueprint, current_app, jsonify

pages = Blueprint("pages", __name__)


@pages.get("/healthz")
def health():
    return jsonify({"status": "ok"})


@pages.get("/favicon.ico")
def favicon():
    # Browsers ask for /favicon.ico before reading the page's <link rel="icon">.
    return current_app.send_static_file("favicon.svg")
