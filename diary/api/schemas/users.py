"""Users, sign-in and a clinician's patient list."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields


class UserSchema(Schema):
    id = fields.Int()
    email = fields.Str()
    role = fields.Function(lambda user: user.role.value)
    display_name = fields.Str()
    timezone = fields.Str()


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
    baseline = fields.Float(allow_none=True, metadata={"description": "Of the last infusion"})
    change_pct = fields.Float(allow_none=True, metadata={"description": "7-day mean vs baseline"})
    band = fields.Str(metadata={"description": "IMMPACT responder band of change_pct"})
    last_infusion_day = fields.Date(allow_none=True)
    next_infusion_at = fields.AwareDateTime(allow_none=True)
    relief_status = fields.Str(allow_none=True)
    attention = fields.Nested(AttentionSchema)


class CloseAccountSchema(Schema):
    """POST /me/close: the account holder's own password, typed again."""

    class Meta:
        unknown = RAISE

    password = fields.Str(required=True, metadata={"description": "The account's password"})
