"""Web Push subscriptions: one per device of a patient, made from the reminder settings, and the
VAPID keys the server signs its pushes with. Sending is services/push_reminders.py.

A subscription is what the browser's PushManager.subscribe() gives (`endpoint` and the keys
`p256dh`, `auth`). The server POSTs encrypted messages to that endpoint, so the endpoint must be
https on a known push service (config PUSH_SERVICE_HOSTS), never an address of the clinic's own
network.
"""

from __future__ import annotations

import base64
import binascii
from functools import cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from py_vapid import Vapid
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from diary.errors import ValidationError
from diary.extensions import db
from diary.models import PushSubscription, ReminderMark, User, utcnow
from diary.models.push import ENDPOINT_LENGTH
from diary.services.field_rules import text_problem

ENDPOINT_MESSAGE = "Use the endpoint your browser's push subscription gave."
HOST_MESSAGE = "This push service is not one the clinic sends to."
P256DH_MESSAGE = "Use the browser's p256dh key: a P-256 public key, base64url."
AUTH_MESSAGE = "Use the browser's auth secret: 16 bytes, base64url."


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---- VAPID keys ---------------------------------------------------------------------------


def new_vapid_keys() -> tuple[str, str]:
    """A new VAPID key pair: (private key, public key), both base64url. The private key is the
    raw 32-byte P-256 scalar (VAPID_PRIVATE_KEY); the public one the uncompressed point the
    browser needs as applicationServerKey (derived from the private key at run time, too)."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(private), _public_of(key)


def _public_of(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def vapid() -> Vapid | None:
    """The server's VAPID signer from VAPID_PRIVATE_KEY, or None when push is not configured."""
    private = current_app.config.get("VAPID_PRIVATE_KEY")
    if not private or not current_app.config.get("VAPID_SUBJECT"):
        return None
    return Vapid.from_string(private_key=private)


def public_key() -> str | None:
    """The applicationServerKey for the browser, or None when push is not configured."""
    private = current_app.config.get("VAPID_PRIVATE_KEY")
    if not private or not current_app.config.get("VAPID_SUBJECT"):
        return None
    return _public_key_of(private)


@cache
def _public_key_of(private: str) -> str:
    return _public_of(Vapid.from_string(private_key=private).private_key)


def check_vapid_config(config) -> None:
    """Refuse to start with a VAPID key that cannot sign (better than failing at 20:00)."""
    private, subject = config.get("VAPID_PRIVATE_KEY"), config.get("VAPID_SUBJECT")
    if not private:
        return
    try:
        Vapid.from_string(private_key=private)
    except Exception:
        raise RuntimeError(
            "VAPID_PRIVATE_KEY is not a VAPID private key: make one with "
            "`flask --app wsgi vapid-keys`"
        ) from None
    if not subject or not subject.startswith(("mailto:", "https://")):
        raise RuntimeError("VAPID_SUBJECT must be mailto:ADDRESS or an https:// URL")


# ---- subscriptions ------------------------------------------------------------------------


def _host_allowed(host: str) -> bool:
    allowed = [h.strip().lower() for h in current_app.config["PUSH_SERVICE_HOSTS"] if h.strip()]
    return any(host == h or host.endswith("." + h) for h in allowed)


def _checked_endpoint(endpoint: str) -> str:
    if problem := text_problem(endpoint):
        raise ValidationError(errors={"endpoint": [problem]})
    try:
        url = urlsplit(endpoint)
        host = (url.hostname or "").lower()
        url.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        raise ValidationError(errors={"endpoint": [ENDPOINT_MESSAGE]}) from None
    schemes = ("https", "http") if current_app.config["PUSH_ALLOW_HTTP"] else ("https",)
    if url.scheme not in schemes or not host or len(endpoint) > ENDPOINT_LENGTH:
        raise ValidationError(errors={"endpoint": [ENDPOINT_MESSAGE]})
    if not _host_allowed(host):
        raise ValidationError(errors={"endpoint": [HOST_MESSAGE]})
    return endpoint


def _checked_keys(p256dh: str, auth: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        point = b64url_decode(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        if len(point) != 65:
            raise ValueError("not an uncompressed point")
    except (ValueError, binascii.Error):
        errors["keys.p256dh"] = [P256DH_MESSAGE]
    try:
        if len(b64url_decode(auth)) != 16:
            raise ValueError("not 16 bytes")
    except (ValueError, binascii.Error):
        errors["keys.auth"] = [AUTH_MESSAGE]
    return errors


def device_label(user_agent: str) -> str:
    """ "Chrome on Android": enough for the patient to tell their devices apart."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for token, name in (
                ("Edg/", "Edge"),
                ("Firefox/", "Firefox"),
                ("SamsungBrowser/", "Samsung Internet"),
                ("Chrome/", "Chrome"),
                ("Chromium/", "Chromium"),
                ("Safari/", "Safari"),
            )
            if token in ua
        ),
        "A browser",
    )
    system = next(
        (
            name
            for token, name in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS X", "Mac"),
                ("Linux", "Linux"),
            )
            if token in ua
        ),
        "",
    )
    return f"{browser} on {system}" if system else browser


def subscribe(patient: User, data: dict, *, user_agent: str = "") -> PushSubscription:
    """Store (or refresh) the push subscription of one of the patient's devices. The same
    endpoint again updates its keys; an endpoint another account subscribed on this device
    (a shared phone) becomes this patient's. Commits."""
    endpoint = _checked_endpoint(data["endpoint"])
    keys = data["keys"]
    errors = _checked_keys(keys["p256dh"], keys["auth"])
    if errors:
        raise ValidationError(errors=errors)
    values = {
        "user_id": patient.id,
        "p256dh": keys["p256dh"],
        "auth": keys["auth"],
        "user_agent": device_label(user_agent)[:120],
    }
    for attempt in (1, 2):
        subscription = db.session.scalar(
            select(PushSubscription).where(PushSubscription.endpoint == endpoint)
        )
        if subscription is None:
            subscription = PushSubscription(endpoint=endpoint, created_at=utcnow(), **values)
            db.session.add(subscription)
        else:
            for name, value in values.items():
                setattr(subscription, name, value)
        _ensure_mark(patient)
        try:
            db.session.commit()
        except IntegrityError:
            # The same device subscribed twice at once: the other request stored it first.
            db.session.rollback()
            if attempt == 2:
                raise
        else:
            return subscription
    raise AssertionError("unreachable")


def _ensure_mark(patient: User) -> None:
    """The patient's sent-marker row, which send-reminders claims: created once, here."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(ReminderMark).values(user_id=patient.id).on_conflict_do_nothing())


def unsubscribe(patient: User, endpoint: str) -> bool:
    """Forget one of the patient's devices. Only the patient's own subscription is removed;
    another's endpoint is left alone and answers as unknown. Commits."""
    removed = db.session.execute(
        delete(PushSubscription).where(
            PushSubscription.user_id == patient.id, PushSubscription.endpoint == endpoint
        )
    ).rowcount
    db.session.commit()
    return bool(removed)


def devices(patient: User) -> list[PushSubscription]:
    return list(
        db.session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == patient.id)
            .order_by(PushSubscription.created_at)
        )
    )


def erase_for_closing(user: User) -> int:
    """Delete the user's subscriptions and marker (closing a patient's or carer's account); the
    caller commits."""
    count = db.session.execute(
        delete(PushSubscription).where(PushSubscription.user_id == user.id)
    ).rowcount
    db.session.execute(delete(ReminderMark).where(ReminderMark.user_id == user.id))
    return count
