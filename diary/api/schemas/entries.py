"""Diary entries: the JSON shapes. Types and unknown fields here; ranges, codes and dates are
checked once, in diary.services.entries, so the form and the API give the same messages."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from diary.services.entry_rules import MESSAGES

_NRS = {"invalid": MESSAGES["nrs"]}
_TEXT = {"invalid": "Enter text."}


def _nrs() -> fields.Integer:
    return fields.Integer(
        strict=True, allow_none=True, error_messages=_NRS, metadata={"minimum": 0, "maximum": 10}
    )


class EntryContentSchema(Schema):
    """The fields a patient sets; all optional here (PATCH). See EntryCreateSchema."""

    class Meta:
        unknown = RAISE

    day = fields.Date(
        error_messages={"invalid": MESSAGES["day_format"]},
        metadata={"description": "The patient's local day the entry describes (default: today)."},
    )
    pain = fields.Integer(
        strict=True,
        error_messages={"invalid": MESSAGES["pain"], "null": MESSAGES["pain"]},
        metadata={"minimum": 0, "maximum": 10, "description": "Pain now, 0-10 NRS."},
    )
    pain_worst = _nrs()
    pain_least = _nrs()
    pain_average = _nrs()
    symptoms = fields.List(fields.String(), metadata={"description": "codes.SYMPTOMS codes"})
    body_sites = fields.List(fields.String(), metadata={"description": "codes.BODY_SITES codes"})
    body_site_other = fields.String(allow_none=True, error_messages=_TEXT)
    sleep_hours = fields.Float(
        allow_none=True,
        allow_nan=False,
        error_messages={"invalid": MESSAGES["sleep_hours"]},
        metadata={"minimum": 0, "maximum": 24},
    )
    sleep_quality = _nrs()
    peg_enjoyment = _nrs()
    peg_activity = _nrs()
    mood = _nrs()
    medications = fields.List(fields.String())
    side_effects = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(strict=True, error_messages={"invalid": MESSAGES["severity"]}),
        metadata={"description": "{codes.SIDE_EFFECTS code: severity 0-4 (none..very severe)}"},
    )
    side_effect_other = fields.String(allow_none=True, error_messages=_TEXT)
    note = fields.String(allow_none=True, error_messages=_TEXT, metadata={"maxLength": 2000})


class EntryPatchSchema(EntryContentSchema):
    """PATCH /entries/<id>: the fields that change, and the version they were edited from."""

    version = fields.Integer(
        strict=True,
        error_messages={"invalid": "Send the entry's version as a whole number."},
        metadata={
            "description": "The `version` of the entry this edit was made from (or send an "
            "If-Match header with the entry's ETag). A stale one answers 409 version_conflict "
            "with the current entry; neither answers 428."
        },
    )


class EntryCreateSchema(EntryContentSchema):
    """POST /entries. A client-made `id` makes the create idempotent."""

    id = fields.UUID(error_messages={"invalid_uuid": "Use a UUID."})
    recorded_at = fields.AwareDateTime(
        error_messages={"invalid": "Use an ISO 8601 date and time with a time zone."},
        metadata={
            "description": "When the patient saved the entry on their device; kept when not in "
            "the future and at most 7 days old, else the server's time is used."
        },
    )


class EntryOutSchema(Schema):
    id = fields.UUID()
    patient_id = fields.Int()
    day = fields.Date()
    recorded_at = fields.AwareDateTime()
    pain = fields.Int()
    pain_worst = fields.Int(allow_none=True)
    pain_least = fields.Int(allow_none=True)
    pain_average = fields.Int(allow_none=True)
    symptoms = fields.List(fields.Str())
    body_sites = fields.List(fields.Str())
    body_site_other = fields.Str(allow_none=True)
    sleep_hours = fields.Float(allow_none=True)
    sleep_quality = fields.Int(allow_none=True)
    peg_enjoyment = fields.Int(allow_none=True)
    peg_activity = fields.Int(allow_none=True)
    mood = fields.Int(allow_none=True)
    medications = fields.List(fields.Str())
    side_effects = fields.Dict(keys=fields.Str(), values=fields.Int())
    side_effect_other = fields.Str(allow_none=True)
    note = fields.Str(allow_none=True)
    version = fields.Int()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    deleted_at = fields.AwareDateTime(allow_none=True)


class VersionConflictSchema(Schema):
    """409 on an entry edit made from an old version: nothing was stored; `current` is the
    entry as stored now."""

    error = fields.Nested(
        Schema.from_dict(
            {"code": fields.Str(required=True), "message": fields.Str(required=True)},
            name="VersionConflictErrorSchema",
        ),
        required=True,
        metadata={"description": "code is `version_conflict`"},
    )
    current = fields.Nested(EntryOutSchema, required=True)
