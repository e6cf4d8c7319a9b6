"""The weekly check-in (PROMIS Pain Interference 4a and PGIC): the JSON shapes."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from diary.services.checkins import PGIC_MESSAGE, PROMIS_MESSAGE


class CheckinCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.UUID(error_messages={"invalid_uuid": "Use a UUID."})
    promis_pi = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(strict=True, error_messages={"invalid": PROMIS_MESSAGE}),
        required=True,
        metadata={"description": "{codes.PROMIS_PI_4A_ITEMS code: answer 1-5}, all four items"},
    )
    pgic = fields.Integer(
        strict=True,
        required=True,
        error_messages={"invalid": PGIC_MESSAGE},
        metadata={"minimum": 1, "maximum": 7},
    )


class CheckinOutSchema(Schema):
    id = fields.UUID()
    patient_id = fields.Int()
    day = fields.Date()
    recorded_at = fields.AwareDateTime()
    promis_pi = fields.Dict(keys=fields.Str(), values=fields.Int())
    pgic = fields.Int(allow_none=True)


class CheckinDueSchema(Schema):
    due = fields.Bool()
    reason = fields.Str(metadata={"description": "weekly | before_infusion | empty"})
    infusion_day = fields.Date(allow_none=True)
