"""CSRF tokens masked per response, against BREACH.

Pages are compressed (Flask-Compress) and carry the CSRF token. An attacker who can make a
browser send requests and watch the sizes of the encrypted responses could guess a secret that
stands in every page unchanged, byte by byte, from how well it compresses with their guess
(BREACH). So the token never stands in a page as it is: for each response that carries it (a
page, its forms, `GET /api/v1/auth/csrf`), Flask-WTF's token is XOR-ed with a fresh random
one-time pad and the pad and the result are sent together (base64url, no padding), as Django
does. The token in the page changes on every response (one mask per response), while the
session's secret (`session["csrf_token"]`) stays.

On a write, the masked token is unmasked and handed to Flask-WTF's own `validate_csrf`: the
checks (signed, same session secret) are Flask-WTF's (a token it accepted is kept by the
worker, and its later copies have their age and session secret checked again: `validate`). A
masked token from any earlier page of the same session therefore still verifies (the phone's
outbox may send one it cached). A token that is not a mask of anything is refused like any bad
token (400 `csrf_failed`). A token that Flask-WTF signed before masking existed (it has dots,
which base64url never has) is checked unmasked, so a page cached before an upgrade still posts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import time

from flask import Flask, current_app, g, request, session
from flask_wtf import csrf as flask_wtf_csrf
from itsdangerous import Signer, URLSafeTimedSerializer
from markupsafe import Markup
from wtforms import ValidationError

MALFORMED = "The CSRF token is malformed."
# The bodies werkzeug parses into `request.form`; any other body leaves the form empty.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
SALT = "wtf-csrf-token"  # Flask-WTF's, for its tokens


def mask(token: str) -> str:
    """`token` XOR-ed with a fresh random pad of its length: base64url(pad + cipher)."""
    raw = token.encode("ascii")
    pad = secrets.token_bytes(len(raw))
    cipher = _xor(raw, pad)
    return base64.urlsafe_b64encode(pad + cipher).rstrip(b"=").decode("ascii")


def _xor(a: bytes, b: bytes) -> bytes:
    """a XOR b, byte by byte (two strings of one length), as two big numbers: one operation
    instead of a Python loop over the bytes."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def unmask(masked: str) -> str:
    """The token `mask` hid in `masked`; ValidationError when `masked` is not a mask."""
    try:
        data = base64.urlsafe_b64decode(masked + "=" * (-len(masked) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(MALFORMED) from exc
    half = len(data) // 2
    if not data or len(data) % 2:
        raise ValidationError(MALFORMED)
    try:
        return _xor(data[:half], data[half:]).decode("ascii")
    except UnicodeDecodeError as exc:
        raise ValidationError(MALFORMED) from exc


def generate_csrf() -> str:
    """Flask-WTF's token for this session, masked afresh for each response (one mask for the
    whole response: a page that carries the token in many forms repeats one string, which
    compresses, rather than many random ones)."""
    store = g._get_current_object()
    masked = store.get("masked_csrf_token")
    if masked is None:
        masked = store.masked_csrf_token = mask(signed_token())
    return masked


# (secret key) -> (its serializer's signer, the serializer); per worker
_signers: dict[bytes | str, tuple[Signer, URLSafeTimedSerializer]] = {}
# (secret key, the session's secret) -> the secret as the serializer's payload
_payloads: dict[tuple[bytes | str, str], bytes] = {}
PAYLOADS_KEPT = 2000


def signed_token() -> str:
    """What `flask_wtf.csrf.generate_csrf` gives: the session's secret (made when the session
    has none) serialized and signed with the time by the same itsdangerous serializer (same
    key, salt "wtf-csrf-token"), once per request (kept in `g`, as Flask-WTF keeps it). Only
    the work that gives the same result every time is kept per worker: the serializer and its
    signer per key, the serialized secret per session secret; the signature (with the time) is
    made for each request."""
    app = current_app._get_current_object()
    field = app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    store = g._get_current_object()
    token = store.get(field)
    if token is not None:
        return token
    key = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    if not key:
        return flask_wtf_csrf.generate_csrf()  # which raises its own error
    if field not in session:
        session[field] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 (Flask-WTF's)
    secret = session[field]
    if not isinstance(secret, str):
        return flask_wtf_csrf.generate_csrf()  # as it was ever made: Flask-WTF's own way
    kept = _signers.get(key)
    if kept is None:
        serializer = URLSafeTimedSerializer(key, salt=SALT)
        kept = _signers[key] = (serializer.make_signer(), serializer)
    signer, serializer = kept
    payload = _payloads.get((key, secret))
    if payload is None:
        if len(_payloads) >= PAYLOADS_KEPT:
            _payloads.clear()
        payload = _payloads[(key, secret)] = serializer.dump_payload(secret)
    token = signer.sign(payload).decode("utf-8")
    setattr(store, field, token)
    return token


# (secret key, a token Flask-WTF's check accepted) -> (when it was signed, the session secret
# it carries); per worker
_verified: dict[tuple[bytes | str, str], tuple[int, str]] = {}
VERIFIED_KEPT = 2000


def validate(token: str | None) -> None:
    """Flask-WTF's `validate_csrf(token)`, with what it found in a token kept.

    A phone sends the token of the page it holds with every write, so a worker sees the same
    token again and again. The first time, Flask-WTF checks it (its signature, its age, the
    session's secret); a token it accepts is kept with its signing time and the secret it
    carries. The same text again, under the same key, is the same signed value: only its age
    and the session's secret are checked again (as Flask-WTF checks them), without verifying
    the signature again. Anything else, a failure included, goes to Flask-WTF's check, which
    gives its own answer and message."""
    config = current_app.config
    key = config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    time_limit = config.get("WTF_CSRF_TIME_LIMIT", 3600)
    kept = _verified.get((key, token)) if key and field and isinstance(token, str) else None
    if kept is not None:
        signed, carried = kept
        secret = session.get(field)
        age = int(time.time()) - signed
        fresh = time_limit is None or 0 <= age <= time_limit
        if fresh and isinstance(secret, str) and hmac.compare_digest(secret, carried):
            return
    flask_wtf_csrf.validate_csrf(token)
    if not (key and isinstance(token, str)):
        return
    carried, when = _serializer(key).loads(token, return_timestamp=True)
    if isinstance(carried, str):
        if len(_verified) >= VERIFIED_KEPT:
            _verified.clear()
        _verified[(key, token)] = (int(when.timestamp()), carried)


def _serializer(key: bytes | str) -> URLSafeTimedSerializer:
    kept = _signers.get(key)
    if kept is None:
        serializer = URLSafeTimedSerializer(key, salt=SALT)
        kept = _signers[key] = (serializer.make_signer(), serializer)
    return kept[1]


def unmasked(sent: str | None) -> str | None:
    """The Flask-WTF token a request sent: unmasked, or as it is when Flask-WTF signed it
    unmasked (dots) or nothing was sent."""
    if sent and "." not in sent:
        return unmask(sent)
    return sent


def csrf_meta_tag() -> Markup:
    """Flask-WTF's template helper, with a masked token (base.html writes its own tag)."""
    return Markup('<meta name="csrf-token" content="{}">').format(generate_csrf())


class MaskedCSRFProtect(flask_wtf_csrf.CSRFProtect):
    """Flask-WTF's CSRF protection (the same requests are checked, exemptions are the same),
    reading masked tokens and giving templates masked ones."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        helpers = {"csrf_token": generate_csrf, "csrf_meta_tag": csrf_meta_tag}
        app.jinja_env.globals.update(helpers)
        # Registered after Flask-WTF's own processor, so these win in every template.
        app.context_processor(lambda: helpers)

    def protect(self, apply_exemptions: bool = False) -> None:
        """Flask-WTF's `protect` (1.3), step by step, with the token judged by `validate`
        (Flask-WTF's check, or the same answer kept from it). A request of a method it does not
        check (GET, HEAD...) returns first: Flask-WTF returns for it too, after working out
        whether the view is exempt, which changes nothing for such a request.
        tests/security/test_csrf_masking.py checks Flask-WTF's own is still the one copied."""
        config = current_app.config
        req = request._get_current_object()
        if req.method not in config["WTF_CSRF_METHODS"]:
            return
        if apply_exemptions:
            if not req.endpoint:
                return
            if self._is_exempt():
                return
        try:
            validate(self._get_csrf_token())
        except ValidationError as e:
            flask_wtf_csrf.logger.info(e.args[0])
            self._error_response(e.args[0])
        if req.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            if not req.referrer:
                self._error_response("The referrer header is missing.")
            good_referrer = f"https://{req.host}/"
            if not flask_wtf_csrf.same_origin(req.referrer, good_referrer):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True  # mark this request as CSRF valid

    def _get_csrf_token(self) -> str | None:
        """The token the request sent, unmasked (protect() hands it to `validate`).

        Flask-WTF looks in the form first, then in its headers. A body that is not a form (the
        API's JSON) leaves the form empty, so its token can only be in a header: it is looked
        up there without building the empty form. The body's stream is still opened, as
        building the form opens it: a body over the size limit is refused here (413), before
        the token is judged, either way."""
        req = request._get_current_object()
        if req.mimetype in FORM_TYPES:
            return unmasked(super()._get_csrf_token())
        req.stream  # noqa: B018 (opened for its size check, as the form would open it)
        headers = req.headers
        for name in current_app.config["WTF_CSRF_HEADERS"]:
            token = headers.get(name)
            if token:
                return unmasked(token)
        return None
