"""The review's key figures (GET /patients/<id>/summary), built by diary/services/review.py."""

from __future__ import annotations

from marshmallow import Schema, fields

from diary import analysis
from diary.services.review import CSS_DEFINITION


class ReliefSchema(Schema):
    status = fields.Str(metadata={"description": "ended | ongoing | censored | no_relief | ..."})
    label = fields.Str()
    days = fields.Int(allow_none=True, metadata={"description": "A minimum unless ended"})
    threshold = fields.Float(allow_none=True)


class InfusionResponseSchema(Schema):
    infusion_id = fields.Function(lambda row: row.infusion.id)
    day = fields.Date(metadata={"description": "The patient's local day of the session"})
    started_at = fields.Function(lambda row: row.infusion.started_at.isoformat())
    scheduled = fields.Bool()
    baseline = fields.Function(lambda row: _round(row.response and row.response.baseline))
    week1_mean = fields.Function(lambda row: _round(row.response and row.response.week1_mean))
    week1_change_pct = fields.Function(
        lambda row: _round(row.response and row.response.week1_change)
    )
    band = fields.Function(lambda row: row.response.band if row.response else None)
    best_mean = fields.Function(lambda row: _round(row.response and row.response.best_mean))
    relief = fields.Function(
        lambda row: ReliefSchema().dump(row.response.relief) if row.response else None
    )
    css = fields.Function(lambda row: row.css.score)
    css_reason = fields.Function(lambda row: row.css.reason)


class ReviewSideEffectSchema(Schema):
    code = fields.Str()
    label = fields.Str()
    severity = fields.Int(metadata={"description": "0-4: none .. very severe (PRO-CTCAE)"})


class ReviewNoteSchema(Schema):
    day = fields.Date()
    text = fields.Str()
    flare = fields.Bool()


class ReviewCheckinSchema(Schema):
    day = fields.Date()
    promis_raw = fields.Int(allow_none=True, metadata={"description": "PROMIS PI 4a raw, 4-20"})
    pgic = fields.Int(allow_none=True, metadata={"description": "1 very much improved .. 7"})


class ReviewSummarySchema(Schema):
    """Key figures since the last infusion; each definition in `definitions`."""

    today = fields.Date()
    period_start = fields.Date()
    period_end = fields.Date()
    last_infusion = fields.Nested(InfusionResponseSchema, allow_none=True)
    next_infusion = fields.Nested(InfusionResponseSchema, allow_none=True)
    days_since_last_infusion = fields.Int(allow_none=True)
    last_entry_day = fields.Date(allow_none=True)
    mean_pain_7_days = fields.Function(lambda k: _round(k.mean_pain_7_days))
    baseline = fields.Function(lambda k: _round(k.baseline))
    change_pct = fields.Function(lambda k: _round(k.change_pct))
    band = fields.Str()
    band_label = fields.Str()
    days_with_data_14 = fields.Int()
    adherence = fields.Function(lambda k: round(k.adherence, 3))
    flare_days = fields.List(fields.Date())
    css = fields.Function(lambda k: k.css.score)
    css_day = fields.Function(lambda k: k.css.day.isoformat() if k.css.day else None)
    css_reason = fields.Function(lambda k: k.css.reason)
    latest_checkin = fields.Nested(ReviewCheckinSchema, allow_none=True)
    side_effects_after_last_infusion = fields.List(fields.Nested(ReviewSideEffectSchema))
    notes = fields.List(fields.Nested(ReviewNoteSchema))
    definitions = fields.Function(
        lambda _k: {
            "mean_pain_7_days": analysis.MEAN_PAIN_7_DAYS_DEFINITION,
            "change_pct": analysis.CHANGE_DEFINITION,
            "response": analysis.RESPONSE_DEFINITION,
            "relief": analysis.RELIEF_DEFINITION,
            "adherence": analysis.ADHERENCE_DEFINITION,
            "flares": analysis.FLARE_DEFINITION,
            "css": CSS_DEFINITION,
        }
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
