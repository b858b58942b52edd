"""Security headers on every response."""
from __future__ import annotations

from flask import Response, current_app, request

# Scripts only from this server; bpmn-js sets inline style attributes on the SVG it draws.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self' data:; object-src 'none'; "
                           "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("CASEPATH").env == "production":
        # Behind TLS in production: browsers must never fall back to plain HTTP.
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path != "/healthz" and not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")  # case data stays off shared caches
    return response
