"""The review page's charts, sent as one JSON document (GET /api/v1/patients/<id>/review/charts)
after the page itself: the same loaded record and computed responses as the page (load.py,
responses.py), so a chart cannot disagree with the table next to it.

Every chart is drawn on the server as SVG (diary.charts_svg, its markup by charts_svg/svg.py):
the browser inserts ready markup and runs no charting library. Each chart carries its numbers as
a table, sent as data beside the markup and built by the browser when the clinician opens it
("The numbers in this chart"): a 5-year table has thousands of cells, which would otherwise be
parsed into elements on every page load. Marks without tooltips (hundreds of them on a long
period) are one <path> per series (plot.Line.marks_svg). Over a year (charts.WEEKLY_AFTER_DAYS)
the daily charts show weekly means, grouped from the days the review has loaded
(services/loaded_days.weekly_means_of_days: no query), so the document stays small at any length of
history; the markup of all eight is written in Python (charts_svg/svg.py), not by a template
loop per mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import orjson

from diary import analysis, charts, charts_svg, measures
from diary.models import User
from diary.services.review import history
from diary.services.review.pages import (
    Review,
    aligned_series,
    build,
    chart_period,
    course_name,
    course_names,
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
    document: {"range", "start", "end", "weekly", "charts": {name: SVG as HTML}, "tables": {name:
    {"caption", "head", "rows"}}} (a chart's numbers, built into a table when its <details> is
    opened; a chart with nothing to draw has none)."""
    range_key, _notice = parse_range(range_key)
    review = built or build(patient)
    start, end = chart_period(review, range_key)
    weekly = (end - start).days >= charts.WEEKLY_AFTER_DAYS
    aggregates = review.loaded.aggregates
    weeks = (
        history.weekly_means(review.kept, aggregates, WEEKLY_CODES, start, end) if weekly else None
    )
    in_range = [c for c in review.responses.courses if start <= c.end_day <= end]
    drawn, tables = {}, {}
    for name, chart in review_svg_charts(review, start, end, in_range, weeks).items():
        drawn[name] = str(chart.html())
        if chart.table.rows:
            tables[name] = chart.table.data()
    body = orjson.dumps(
        {
            "range": range_key,
            "start": start,
            "end": end,
            "weekly": weekly,
            "charts": drawn,
            "tables": tables,
        }
    )
    return ReviewCharts(patient, range_key, start, end, body)


def review_svg_charts(
    review: Review,
    start: date,
    end: date,
    in_range: list[CourseRow],
    weeks: charts.Weeks | None,
) -> dict[str, charts_svg.Chart]:
    """The eight charts' geometry (diary.charts_svg) for the days start .. end. The aligned
    chart draws the range's last charts_svg.ALIGNED_COURSES courses (one colour each): only
    theirs are aligned (aligned_series), so its cost is the same at any length of history."""
    aggregates = review.loaded.aggregates
    aligned_courses = in_range[-charts_svg.ALIGNED_COURSES :]
    courses = review.responses.courses
    checkins = [(c.day, c.promis_raw, c.pgic) for c in review.loaded.checkins]
    session_days = [s.day for s in review.responses.past if start <= s.day <= end]
    return {
        measures.PAIN.code: charts_svg.pain_chart(
            aggregates,
            start,
            end,
            session_days,
            treatments=treatment_marks(review),
            weeks=weeks,
            late=history.late_weeks(review.kept, aggregates, start, end) if weeks else None,
        ),
        "aligned": charts_svg.aligned_chart(
            aligned_series(review, aligned_courses),
            names=course_names(aligned_courses),
            of=len(in_range),
        ),
        "dose_response": charts_svg.dose_response_chart(
            [
                (course_name(c), c.rate_mean, c.relief_length, c.response.best_change)
                for c in courses
            ]
        ),
        "safety": charts_svg.safety_chart(
            [(course_name(c), c.effects_after) for c in courses], analysis.SAFETY_TREND_CODES
        ),
        measures.SYMPTOMS.code: charts_svg.symptom_chart(aggregates, start, end, weeks=weeks),
        measures.BODY_SITES.code: charts_svg.body_site_chart(
            history.days_per_code(review.kept, aggregates, measures.BODY_SITES.code, start, end)
        ),
        "sleep": charts_svg.sleep_chart(aggregates, start, end, checkins, weeks=weeks),
        # each course's window as responses read it (its first session's day to 7 days
        # after it ended, stopping before the next: analysis.SAFETY_DEFINITION)
        measures.SIDE_EFFECTS.code: charts_svg.side_effect_grid(
            [(course_name(c), c.effects_highest) for c in in_range]
        ),
    }
