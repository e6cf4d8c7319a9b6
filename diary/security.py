"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# Set on every response unless the view set its own: (name, its lower case, value).
EVERY_RESPONSE = tuple(
    (name, name.lower(), value)
    for name, value in (
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    )
)
HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
# Health data: never in a shared cache, never on disk after the session.
NO_STORE_TYPES = frozenset({"text/html", "application/json", "application/fhir+json", "text/csv"})


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def set_headers(response: Response) -> Response:
        # The names already set are read once (each `setdefault` would scan every header).
        headers = response.headers
        present = {name.lower() for name, _value in headers.items()}
        for name, lower, value in EVERY_RESPONSE:
            if lower not in present:
                headers.add(name, value)
        if request.is_secure and "strict-transport-security" not in present:
            headers.add(*HSTS)
        if "cache-control" not in present and response.mimetype in NO_STORE_TYPES:
            headers.add("Cache-Control", "no-store")
        return response
