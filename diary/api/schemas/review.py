"""The review's numbers as JSON: GET /patients/<id>/summary (key figures) and
GET /patients/<id>/responses (every session and course), both dumped from the one computed
object in diary/services/review (responses.py), so they print what the page prints."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from diary import analysis
from diary.codes import PGIC_ANSWERS
from diary.services.review import CSS_DEFINITION, OUTCOMES_DEFINITION, PAIN_BACK_DEFINITION


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


DEFINITIONS = {
    "mean_pain_7_days": analysis.MEAN_PAIN_7_DAYS_DEFINITION,
    "change_pct": analysis.CHANGE_DEFINITION,
    "response": analysis.RESPONSE_DEFINITION,
    "relief": analysis.RELIEF_DEFINITION,
    "course": analysis.COURSE_DEFINITION,
    "relief_trend": analysis.RELIEF_TREND_DEFINITION,
    "pain_back": PAIN_BACK_DEFINITION,
    "outcomes": OUTCOMES_DEFINITION,
    "safety": analysis.SAFETY_DEFINITION,
    "rescue": analysis.RESCUE_DEFINITION,
    "adherence": analysis.ADHERENCE_DEFINITION,
    "on_time": analysis.ON_TIME_DEFINITION,
    "flares": analysis.FLARE_DEFINITION,
    "css": CSS_DEFINITION,
}


class ReliefSchema(Schema):
    status = fields.Str(
        metadata={
            "description": "ended | ended_in_gap | ongoing | no_recent_data | censored | "
            "at_horizon | no_relief | no_baseline_pain | not_enough_data"
        }
    )
    label = fields.Str()
    text = fields.Str(metadata={"description": "The result in words, as the page prints it"})
    days = fields.Int(
        allow_none=True,
        metadata={"description": "Exact when ended; lower bound when ended_in_gap; else a minimum"},
    )
    days_max = fields.Int(allow_none=True, metadata={"description": "Upper bound (ended_in_gap)"})
    threshold = fields.Function(lambda r: _round(r.threshold, 2))
    last_data_day = fields.Date(allow_none=True)


class ResponseSchema(Schema):
    """Baseline, week-1 and best response and relief of one course (RESPONSE_DEFINITION)."""

    day0 = fields.Date(attribute="infusion_day", metadata={"description": "The day it ended"})
    baseline_day = fields.Date(metadata={"description": "Baseline = the 7 days before this day"})
    baseline = fields.Function(lambda r: _round(r.baseline))
    baseline_days = fields.Int(metadata={"description": "Days with entries in the baseline week"})
    week1_mean = fields.Function(lambda r: _round(r.week1_mean))
    week1_days = fields.Int(metadata={"description": "Days with entries among days +1..+7"})
    week1_change_pct = fields.Function(lambda r: _round(r.week1_change))
    week1_change_points = fields.Function(lambda r: _round(r.week1_points))
    week1_important = fields.Bool(metadata={"description": "Pain fell by 2 NRS points or more"})
    band = fields.Str()
    band_label = fields.Str()
    best_mean = fields.Function(lambda r: _round(r.best_mean))
    best_change_pct = fields.Function(lambda r: _round(r.best_change))
    best_change_points = fields.Function(lambda r: _round(r.best_points))
    relief = fields.Nested(ReliefSchema)


class CheckinSchema(Schema):
    day = fields.Date()
    promis_raw = fields.Int(allow_none=True, metadata={"description": "PROMIS PI 4a raw, 4-20"})
    promis_t = fields.Float(allow_none=True, metadata={"description": "T-score, v1.0 table"})
    pgic = fields.Int(allow_none=True, metadata={"description": "1 very much improved .. 7"})
    pgic_label = fields.Function(
        lambda c: PGIC_ANSWERS[c.pgic - 1] if c.pgic else None,
        metadata={"description": "PGIC in words"},
    )
    pgic_responder = fields.Bool(allow_none=True, metadata={"description": "PGIC 1 or 2"})


class TreatmentSchema(Schema):
    id = fields.Int()
    day = fields.Date()
    kind = fields.Str(
        metadata={
            "description": "nerve_block | physical_therapy | occupational_therapy | "
            "medication_change | other"
        }
    )
    description = fields.Str(allow_none=True)


class TreatmentInSchema(Schema):
    """POST /patients/<id>/treatments. The rules are in diary/services/treatments.py."""

    class Meta:
        unknown = RAISE

    day = fields.Date(required=True, metadata={"description": "The patient's local day"})
    kind = fields.Str(
        required=True,
        metadata={
            "description": "nerve_block | physical_therapy | occupational_therapy | "
            "medication_change | other"
        },
    )
    description = fields.Str(allow_none=True, metadata={"maxLength": 500})


class SessionSchema(Schema):
    """One session, with the numbers of the course it belongs to (None while scheduled)."""

    infusion_id = fields.Int(attribute="id")
    day = fields.Date(metadata={"description": "The patient's local day of the session"})
    started_at = fields.Function(lambda s: s.record.started_at.isoformat())
    scheduled = fields.Bool()
    course = fields.Int(allow_none=True, metadata={"description": "Course number, 1 = oldest"})
    course_reason = fields.Str(allow_none=True, metadata={"description": "Why in this course"})
    course_rule = fields.Function(lambda s: s.record.course_rule)
    duration_minutes = fields.Function(lambda s: s.record.duration_minutes)
    dose_mg = fields.Function(lambda s: s.record.dose_mg)
    rate_mg_kg_h = fields.Function(lambda s: s.record.rate_mg_kg_h)
    adjuncts = fields.Function(lambda s: list(s.record.adjuncts))
    pain_pre = fields.Function(lambda s: s.record.pain_pre)
    pain_post = fields.Function(lambda s: s.record.pain_post)
    adverse_events = fields.Function(lambda s: s.record.adverse_events)
    lab_notes = fields.Function(lambda s: s.record.lab_notes)
    css = fields.Function(lambda s: s.css.score)
    css_reason = fields.Function(lambda s: s.css.reason)


class RescueSchema(Schema):
    with_medication = fields.Int()
    with_entries = fields.Int()


class CourseSchema(Schema):
    number = fields.Int()
    first_day = fields.Date()
    end_day = fields.Date(metadata={"description": "Day 0: the day the last session ended"})
    session_ids = fields.Function(lambda c: [s.id for s in c.sessions])
    grouping = fields.List(fields.Str(), metadata={"description": "Why each session is in it"})
    dose_total_mg = fields.Function(lambda c: _round(c.dose_total_mg, 2))
    doses_missing = fields.Int(metadata={"description": "Sessions without a dose recorded"})
    rate_min_mg_kg_h = fields.Float(attribute="rate_min", allow_none=True)
    rate_max_mg_kg_h = fields.Float(attribute="rate_max", allow_none=True)
    rate_mean_mg_kg_h = fields.Function(lambda c: _round(c.rate_mean, 3))
    duration_minutes = fields.Int(allow_none=True)
    adjuncts = fields.List(fields.Str())
    pain_pre = fields.Int(allow_none=True)
    pain_post = fields.Int(allow_none=True)
    adverse_events = fields.Function(
        lambda c: [{"day": d.isoformat(), "text": t} for d, t in c.adverse_events]
    )
    response = fields.Nested(ResponseSchema)
    next_first_day = fields.Date(allow_none=True)
    pain_back = fields.Function(lambda c: c.pain_back.text)
    pain_back_days_before_next = fields.Function(lambda c: c.pain_back.days_before_next)
    pain_back_days_before_next_max = fields.Function(lambda c: c.pain_back.days_before_next_max)
    relief_length_days = fields.Function(lambda c: _round(c.relief_length))
    peg_before = fields.Function(lambda c: _round(c.peg_before))
    peg_after = fields.Function(lambda c: _round(c.peg_after))
    peg_change = fields.Function(lambda c: _round(c.peg_change))
    promis_before = fields.Nested(CheckinSchema, allow_none=True)
    promis_after = fields.Nested(CheckinSchema, allow_none=True)
    promis_t_change = fields.Function(lambda c: _round(c.promis_change))
    worst_side_effects_after = fields.Dict(
        attribute="effects_after",
        keys=fields.Str(),
        values=fields.Int(allow_none=True),
        metadata={"description": "Worst severity 0-4 after the course; null: no entries"},
    )
    rescue_before = fields.Nested(RescueSchema)
    rescue_after = fields.Nested(RescueSchema)
    treatments = fields.List(fields.Nested(TreatmentSchema))


class ReliefTrendSchema(Schema):
    slope_days_per_course = fields.Function(lambda t: _round(t.slope, 2))
    courses = fields.List(fields.Int())
    text = fields.Str()


class CumulativeDoseSchema(Schema):
    total_mg = fields.Function(lambda d: _round(d.total_mg, 2))
    sessions = fields.Int()
    without_dose = fields.Int()
    since = fields.Date()


class ResponsesSchema(Schema):
    """GET /patients/<id>/responses: every session and every course, with the definitions."""

    today = fields.Date()
    sessions = fields.List(fields.Nested(SessionSchema))
    courses = fields.List(fields.Nested(CourseSchema))
    relief_trend = fields.Nested(ReliefTrendSchema)
    cumulative_dose_12_months = fields.Nested(CumulativeDoseSchema, attribute="cumulative_dose")
    css_change = fields.Int(allow_none=True)
    css_change_beyond_srd = fields.Bool()
    definitions = fields.Function(lambda _r: DEFINITIONS)


class ReviewSideEffectSchema(Schema):
    code = fields.Str()
    label = fields.Str()
    severity = fields.Int(metadata={"description": "0-4: none .. very severe (PRO-CTCAE)"})


class ReviewNoteSchema(Schema):
    day = fields.Date()
    text = fields.Str()
    flare = fields.Bool()


class AdherenceSchema(Schema):
    on_time_days = fields.Int(attribute="on_time")
    late_days = fields.Int(attribute="late")
    total_days = fields.Int(attribute="total")
    on_time_share = fields.Function(lambda a: round(a.on_time_share, 3))
    late_share = fields.Function(lambda a: round(a.late_share, 3))


class ReviewSummarySchema(Schema):
    """Key figures since the last course; each definition in `definitions`."""

    today = fields.Date()
    period_start = fields.Date()
    period_end = fields.Date()
    last_infusion = fields.Function(lambda k: _session_with_course(k.last_infusion, k))
    last_course = fields.Nested(CourseSchema, allow_none=True)
    next_infusion = fields.Function(lambda k: _session_with_course(k.next_infusion, k))
    days_since_last_infusion = fields.Int(allow_none=True)
    last_entry_day = fields.Date(allow_none=True)
    mean_pain_7_days = fields.Function(lambda k: _round(k.mean_pain_7_days))
    baseline = fields.Function(lambda k: _round(k.baseline))
    change_mean = fields.Function(lambda k: _round(k.change_mean))
    change_days = fields.Int(metadata={"description": "Days with entries behind change_mean"})
    change_pct = fields.Function(lambda k: _round(k.change_pct))
    change_points = fields.Function(lambda k: _round(k.change_points))
    band = fields.Str()
    band_label = fields.Str()
    days_with_data_14 = fields.Int(
        metadata={
            "description": "Days with at least one entry, on time or late, among the last 14 "
            "(today included); the on-time share is `adherence`"
        }
    )
    adherence = fields.Function(
        lambda k: round(k.adherence.on_time_share, 3),
        metadata={"description": "Share of days in the period with an on-time entry, 0-1"},
    )
    adherence_detail = fields.Nested(AdherenceSchema, attribute="adherence")
    flare_days = fields.List(fields.Date())
    css = fields.Function(lambda k: k.css.score)
    css_day = fields.Function(lambda k: k.css.day.isoformat() if k.css.day else None)
    css_reason = fields.Function(lambda k: k.css.reason)
    css_change = fields.Int(allow_none=True)
    css_change_beyond_srd = fields.Bool()
    latest_checkin = fields.Nested(CheckinSchema, allow_none=True)
    side_effects_after_last_infusion = fields.List(
        fields.Nested(ReviewSideEffectSchema),
        metadata={
            "description": "The last course's: the highest severity of each side effect "
            "reported from its first session's day to 7 days after it ended"
        },
    )
    notes = fields.List(fields.Nested(ReviewNoteSchema))
    lab_notes = fields.Function(
        lambda k: [{"day": n.day.isoformat(), "text": n.text} for n in k.lab_notes]
    )
    cumulative_dose_12_months = fields.Nested(CumulativeDoseSchema, attribute="cumulative_dose")
    relief_trend = fields.Nested(ReliefTrendSchema)
    definitions = fields.Function(lambda _k: DEFINITIONS)


def _session_with_course(session, key) -> dict | None:
    """A session and the response of its course (the same object the page prints)."""
    if session is None:
        return None
    out = SessionSchema().dump(session)
    course = key.last_course if session.course and key.last_course else None
    if course is not None and course.number != session.course:
        course = None
    response = ResponseSchema().dump(course.response) if course else None
    out["response"] = response
    out["relief"] = response["relief"] if response else None
    out["band"] = response["band"] if response else None
    out["baseline"] = response["baseline"] if response else None
    return out


class ChartTableSchema(Schema):
    """A chart's numbers as a table (the page builds it when its "numbers" section is opened)."""

    caption = fields.Str(metadata={"description": "What the table lists"})
    head = fields.List(fields.Str(), metadata={"description": "Column headings"})
    rows = fields.List(
        fields.List(fields.Str()), metadata={"description": "Rows of cells, as shown"}
    )


class ReviewChartsSchema(Schema):
    """The review page's charts for one range (what GET /patients/<id>/review/charts sends;
    the body is serialised once per data version, this schema describes it)."""

    range = fields.Str(metadata={"description": "30, 90, 180, 365 or all"})
    start = fields.Date(metadata={"description": "First day shown"})
    end = fields.Date(metadata={"description": "Last day shown (the patient's today)"})
    weekly = fields.Bool(metadata={"description": "Daily series shown as weekly means"})
    charts = fields.Dict(
        keys=fields.Str(),
        values=fields.Str(),
        metadata={
            "description": "name -> the chart drawn as SVG on the server (a fragment the page "
            "inserts; its numbers are in tables): pain, symptoms, body_sites, aligned, "
            "sleep, side_effects, dose_response, safety"
        },
    )
    tables = fields.Dict(
        keys=fields.Str(),
        values=fields.Nested(ChartTableSchema),
        metadata={"description": "name -> the numbers of that chart, as a table"},
    )
