"""Plain pages outside the API (the browser UI grows here)."""
from flask import Blueprint, jsonify

pages = Blueprint("pages", __name__)


@pages.get("/")
def index():
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>casepath</title></head>"
            "<body><main><h1>casepath</h1><p>The case-management engine is running. "
            "The JSON API is under <a href='/api/openapi.json'>/api</a>.</p></main></body></html>")


@pages.get("/healthz")
def health():
    return jsonify({"status": "ok"})
