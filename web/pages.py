"""Plain pages outside the API (the browser UI grows here)."""
from flask import Blueprint, jsonify

pages = Blueprint("pages", __name__)


@pages.get("/healthz")
def health():
    return jsonify({"status": "ok"})
