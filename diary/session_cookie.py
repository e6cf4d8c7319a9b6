"""The session cookie: Flask's own signed cookie (same format, same checks), with its signer
built once per key instead of twice on every request (reading the cookie, then writing it), and
each cookie a worker has verified remembered with what it holds.

Flask builds an itsdangerous serializer, with its HMAC key derivation, each time it opens or
saves a session; on a signed-in request that is a measurable share of the whole request. The
serializer depends only on SECRET_KEY and SECRET_KEY_FALLBACKS, so it is kept per key: a key
change (or a test that changes it) builds a new one.

A browser sends the same session cookie on every request until the session changes. The first
time a worker opens a cookie, its signature and age are checked as Flask does; the worker then
keeps the cookie's exact text with the keys that verified it, its signing time and its values.
The same text again (under the same keys) is the same signed value: its age is checked against
the session lifetime as before, and its values are copied, without decoding and verifying it
again. Only cookies whose values are all plain (text, numbers, booleans) are kept, so a copy
never shares a list with another request. Sign-out and revocation do not depend on the cookie
(the user loader checks the session generation on every request: services/sessions.py).
"""

from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIES_KEPT = 2000  # per worker; then all are dropped and verified again
_PLAIN = (str, int, float, bool, type(None))


class CachedSignerSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._signer: tuple[tuple, URLSafeTimedSerializer | None] | None = None
        # cookie text -> (the keys that verified it, when it was signed, its values)
        self._opened: dict[str, tuple[tuple, int, dict]] = {}

    def _keys(self, app: Flask) -> tuple:
        return (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = self._keys(app)
        cached = self._signer
        if cached is None or cached[0] != keys:
            cached = self._signer = (keys, super().get_signing_serializer(app))
        return cached[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        text = request.cookies.get(self.get_cookie_name(app))
        if not text:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        kept = self._opened.get(text)
        if kept is not None and kept[0] == self._signer[0]:
            age = int(time.time()) - kept[1]
            if 0 <= age <= max_age:
                return self.session_class(kept[2])
        try:
            data, signed = serializer.loads(text, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _PLAIN) for v in data.values()):
            if len(self._opened) >= COOKIES_KEPT:
                self._opened.clear()
            self._opened[text] = (self._signer[0], int(signed.timestamp()), dict(data))
        return self.session_class(data)


def init_app(app: Flask) -> None:
    app.session_interface = CachedSignerSessionInterface()
