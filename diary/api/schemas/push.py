"""Push reminders: a browser's push subscription (PushSubscription.toJSON()) and the patient's
devices. The shapes only; what makes a subscription acceptable is in services/push.py."""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from diary.models.push import ENDPOINT_LENGTH
from diary.services.push import AUTH_MESSAGE, ENDPOINT_MESSAGE, P256DH_MESSAGE


class PushKeysSchema(Schema):
    class Meta:
        unknown = RAISE

    p256dh = fields.Str(
        required=True,
        validate=validate.Length(min=80, max=100, error=P256DH_MESSAGE),
        metadata={"description": "the browser's P-256 public key, base64url"},
    )
    auth = fields.Str(
        required=True,
        validate=validate.Length(min=16, max=40, error=AUTH_MESSAGE),
        metadata={"description": "the browser's 16-byte auth secret, base64url"},
    )


class PushSubscriptionInSchema(Schema):
    """What PushSubscription.toJSON() gives; `expirationTime` is accepted and not kept."""

    class Meta:
        unknown = RAISE

    endpoint = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=ENDPOINT_LENGTH, error=ENDPOINT_MESSAGE),
        metadata={"description": "https URL of a browser's push service"},
    )
    keys = fields.Nested(PushKeysSchema, required=True)
    expirationTime = fields.Int(allow_none=True, load_default=None)  # noqa: N815 (the browser's name)


class PushUnsubscribeSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # the whole toJSON() may be sent; only the endpoint matters

    endpoint = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=ENDPOINT_LENGTH, error=ENDPOINT_MESSAGE),
    )


class PushDeviceSchema(Schema):
    id = fields.Int()
    device = fields.Str(attribute="user_agent", metadata={"description": "e.g. Chrome on Android"})
    created_at = fields.AwareDateTime()
    last_success_at = fields.AwareDateTime(allow_none=True)


class PushSettingsSchema(Schema):
    public_key = fields.Str(
        allow_none=True,
        metadata={"description": "applicationServerKey (base64url); null: push is not set up"},
    )
    devices = fields.List(fields.Nested(PushDeviceSchema))
