"""Diary entries."""

from __future__ import annotations

from marshmallow import Schema, fields


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
