"""The review page's charts, sent as one JSON document (GET /api/v1/patients/<id>/review/charts)
after the page itself: the same loaded record and computed responses as the page (load.py,
responses.py), so a chart cannot disagree with the table next to it.

Over a year (charts.WEEKLY_AFTER_DAYS) the daily charts show weekly means, grouped by the
database (services/daily_sql.weekly_means), so the document stays small at any length of
history. The small charts (body sites, dose and response, safety, side effects) and the small
multiples of sleep and interference are drawn without the hover and zoom layers
(charts.SMALL_CONFIG: much less work for the browser); their numbers are in the tables. Pain,
pain around each course and the symptoms stay interactive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import orjson

from diary import analysis, charts, measures
from diary.models import User
from diary.services import daily_sql
from diary.services.review.pages import (
    Review,
    aligned,
    build,
    chart_period,
    course_name,
    parse_range,
    treatment_marks,
)
from diary.services.review.responses import CourseRow

WEEKLY_CODES = [
    measures.PAIN.code,
    measures.PAIN_WORST.code,
    measures.SYMPTOMS.code,
    measures.SLEEP_HOURS.code,
    measures.SLEEP_QUALITY.code,
    measures.PEG_ENJOYMENT.code,
    measures.PEG_ACTIVITY.code,
]
SMALL = (measures.BODY_SITES.code, "dose_response", "safety", measures.SIDE_EFFECTS.code, "sleep")


@dataclass
class ReviewCharts:
    """The charts of one range: `body` is the JSON document the page draws from."""

    patient: User | None
    range_key: str
    start: date
    end: date
    body: bytes


def review_charts(patient: User, range_key: str, built: Review | None = None) -> ReviewCharts:
    """Every chart of the review page for `range_key` (one of pages.RANGES), as one JSON
    document: {"range", "start", "end", "weekly", "figures": {name: {data, layout, config}}}."""
    range_key, _notice = parse_range(range_key)
    review = built or build(patient)
    start, end = chart_period(review, range_key)
    weekly = (end - start).days >= charts.WEEKLY_AFTER_DAYS
    weeks = daily_sql.weekly_means(patient.id, WEEKLY_CODES, start, end) if weekly else None
    in_range = [c for c in review.responses.courses if start <= c.end_day <= end]
    figures = _figures(review, start, end, in_range, weeks)
    parts = [
        f'"{name}":{charts.figure_json(fig, config=_config(name))}' for name, fig in figures.items()
    ]
    head = orjson.dumps({"range": range_key, "start": start, "end": end, "weekly": weekly}).decode()
    body = head[:-1] + ',"figures":{' + ",".join(parts) + "}}"
    return ReviewCharts(patient, range_key, start, end, body.encode())


def _config(name: str) -> dict:
    return charts.SMALL_CONFIG if name in SMALL else charts.PLOT_CONFIG


def _figures(
    review: Review,
    start: date,
    end: date,
    in_range: list[CourseRow],
    weeks: charts.Weeks | None,
) -> dict[str, charts.Figure]:
    aggregates = review.loaded.aggregates
    courses = review.responses.courses
    shown = {d: a for d, a in aggregates.items() if start <= d <= end}
    patient_id = review.loaded.patient_id
    checkins = [(c.day, c.promis_raw, c.pgic) for c in review.loaded.checkins]
    session_days = [s.day for s in review.responses.past if start <= s.day <= end]
    figures = {
        measures.PAIN.code: charts.pain_figure(
            aggregates,
            start,
            end,
            session_days,
            mark_late=True,
            treatments=treatment_marks(review),
            weeks=weeks,
        ),
        measures.SYMPTOMS.code: charts.symptom_figure(aggregates, start, end, weeks=weeks),
        measures.BODY_SITES.code: charts.body_site_figure(
            shown, daily_sql.days_per_code(patient_id, measures.BODY_SITES.code, start, end)
        ),
        "aligned": aligned(review, in_range),
        "sleep": charts.sleep_interference_figure(aggregates, start, end, checkins, weeks=weeks),
        measures.SIDE_EFFECTS.code: charts.side_effect_figure(
            aggregates,
            [],
            windows=[(course_name(c), c.first_day, _effects_end(c)) for c in in_range],
        ),
        "dose_response": charts.dose_response_figure(
            [
                (course_name(c), c.rate_mean, c.relief_length, c.response.best_change)
                for c in courses
            ]
        ),
        "safety": charts.safety_trend_figure(
            [(course_name(c), c.effects_after) for c in courses], analysis.SAFETY_TREND_CODES
        ),
    }
    for fig in (figures[measures.SYMPTOMS.code], figures[measures.SIDE_EFFECTS.code]):
        # plotly draws a colour bar with style="" attributes, which the CSP refuses; the page
        # gives these two legends in HTML instead.
        fig.update_traces(showscale=False, selector={"type": "heatmap"})
    return figures


def _effects_end(course: CourseRow) -> date:
    """The last day of the side-effect window: 7 days after the course ended, stopping before
    the next course (analysis.SAFETY_DEFINITION)."""
    last = course.end_day + timedelta(days=analysis.safety.SIDE_EFFECT_DAYS)
    if course.next_first_day is not None:
        last = min(last, course.next_first_day - analysis.ONE_DAY)
    return last
