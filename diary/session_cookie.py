"""The session cookie: Flask's own signed cookie (same format, same checks), with its signer
built once per key instead of twice on every request (reading the cookie, then writing it).

Flask builds an itsdangerous serializer, with its HMAC key derivation, each time it opens or
saves a session; on a signed-in request that is a measurable share of the whole request. The
serializer depends only on SECRET_KEY and SECRET_KEY_FALLBACKS, so it is kept per key: a key
change (or a test that changes it) builds a new one.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CachedSignerSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._signer: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._signer
        if cached is None or cached[0] != keys:
            cached = self._signer = (keys, super().get_signing_serializer(app))
        return cached[1]


def init_app(app: Flask) -> None:
    app.session_interface = CachedSignerSessionInterface()
