"""Plain endpoints outside the API and the signed-in pages: the health check."""
from flask import Blueprint, jsonify

pages = Blueprint("pages", __name__)


@pages.get("/healthz")
def health():
    return jsonify({"status": "ok"})
