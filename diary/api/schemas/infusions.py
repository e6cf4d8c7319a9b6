"""Infusion sessions. The schema checks the shape; the rules are in diary/services/infusions.py."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from diary.models import utcnow


class InfusionInSchema(Schema):
    """POST (all fields; started_at required) and PATCH (any subset) of a session."""

    class Meta:
        unknown = RAISE

    started_at = fields.AwareDateTime(
        required=True, metadata={"description": "Start, ISO 8601 with offset; future = scheduled"}
    )
    duration_minutes = fields.Int(strict=True, allow_none=True)
    dose_mg = fields.Float(allow_none=True, metadata={"description": "Total dose in mg"})
    rate_mg_kg_h = fields.Float(allow_none=True, metadata={"description": "Rate in mg/kg/h"})
    adjuncts = fields.List(fields.Str(), metadata={"description": "e.g. midazolam, clonidine"})
    pain_pre = fields.Int(strict=True, allow_none=True)
    pain_post = fields.Int(strict=True, allow_none=True)
    adverse_events = fields.Str(allow_none=True)
    lab_notes = fields.Str(allow_none=True)
    notes = fields.Str(allow_none=True)
    exam_signs = fields.List(
        fields.Str(),
        allow_none=True,
        metadata={"description": "Observed CSS signs (codes.EXAM_SIGNS); null = no exam recorded"},
    )
    course_rule = fields.Str(
        allow_none=True,
        metadata={
            "description": "Course grouping: null = automatic (sessions up to 3 days apart form "
            "one course), new_course = starts a course, same_course = joins the previous "
            "session's course"
        },
    )


class InfusionOutSchema(Schema):
    id = fields.Int()
    patient_id = fields.Int()
    clinician_id = fields.Int(allow_none=True)
    started_at = fields.AwareDateTime()
    scheduled = fields.Function(
        lambda infusion: infusion.started_at > utcnow(),
        metadata={"description": "True while the session is in the future"},
    )
    duration_minutes = fields.Int(allow_none=True)
    dose_mg = fields.Float(allow_none=True)
    rate_mg_kg_h = fields.Float(allow_none=True)
    adjuncts = fields.List(fields.Str())
    pain_pre = fields.Int(allow_none=True)
    pain_post = fields.Int(allow_none=True)
    adverse_events = fields.Str(allow_none=True)
    lab_notes = fields.Str(allow_none=True)
    notes = fields.Str(allow_none=True)
    exam_signs = fields.List(fields.Str(), allow_none=True)
    course_rule = fields.Str(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
