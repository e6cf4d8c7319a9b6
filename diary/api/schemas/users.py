"""Users, sign-in and a clinician's patient list."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields


class UserSchema(Schema):
    id = fields.Int()
    email = fields.Str()
    role = fields.Function(lambda user: user.role.value)
    display_name = fields.Str()
    timezone = fields.Str()


def dump_user(user: Any) -> dict[str, Any]:
    """`UserSchema().dump(user)` written out field by field (each value converted as its field
    converts it, None kept): GET /api/v1/me answers it on every call, and the schema's machinery
    cost more than the rest of that answer. tests/api/test_me.py compares the two."""
    values = {
        "id": user.id,
        "email": user.email,
        "role": user.role.value,
        "display_name": user.display_name,
        "timezone": user.timezone,
    }
    for name, convert in _CONVERSIONS:
        if values[name] is not None:
            values[name] = convert(values[name])
    return values


_CONVERSIONS = (("id", int), ("email", str), ("display_name", str), ("timezone", str))


class LoginSchema(Schema):
    email = fields.Str(required=True)
    password = fields.Str(required=True)


class CsrfSchema(Schema):
    csrf_token = fields.Str(required=True)


class LoginResultSchema(CsrfSchema):
    user = fields.Nested(UserSchema, required=True)


class AttentionSchema(Schema):
    level = fields.Str(metadata={"description": "high | medium | low"})
    label = fields.Str()
    reasons = fields.List(fields.Str())


class PatientSummarySchema(Schema):
    """One linked patient on the dashboard (definitions: diary/services/dashboard.py)."""

    id = fields.Int()
    display_name = fields.Str()
    email = fields.Str()
    last_entry_day = fields.Date(allow_none=True)
    entries_last_14_days = fields.Int(metadata={"description": "Days with entries, last 14"})
    mean_pain_7_days = fields.Float(allow_none=True)
    baseline = fields.Float(
        allow_none=True,
        metadata={"description": "Of the last course: mean pain of the week before it began"},
    )
    change_pct = fields.Float(
        allow_none=True,
        metadata={
            "description": "Mean pain on the days after the last course within the last 7 days "
            "vs its baseline, in percent, to 1 decimal (the review's change_pct)"
        },
    )
    band = fields.Str(metadata={"description": "Responder band of the change (the review's band)"})
    last_infusion_day = fields.Date(allow_none=True)
    next_infusion_at = fields.AwareDateTime(allow_none=True)
    relief_status = fields.Str(
        allow_none=True, metadata={"description": "Relief after the last course (the review's)"}
    )
    attention = fields.Nested(AttentionSchema)


class CloseAccountSchema(Schema):
    """POST /me/close: the account holder's own password, typed again."""

    class Meta:
        unknown = RAISE

    password = fields.Str(required=True, metadata={"description": "The account's password"})
