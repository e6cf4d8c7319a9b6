"""Users, sign-in and a clinician's patient list."""

from __future__ import annotations

from marshmallow import Schema, fields


class UserSchema(Schema):
    id = fields.Int()
    email = fields.Str()
    role = fields.Function(lambda user: user.role.value)
    display_name = fields.Str()
    timezone = fields.Str()


class LoginSchema(Schema):
    email = fields.Str(required=True)
    password = fields.Str(required=True)


class PatientSummarySchema(Schema):
    id = fields.Int()
    display_name = fields.Str()
    email = fields.Str()
    last_entry_day = fields.Date(allow_none=True)
    entries_last_14_days = fields.Int()
    mean_pain_7_days = fields.Float(allow_none=True)
