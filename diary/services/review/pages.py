"""The review page, the printable pre-visit report, the summary and the responses: each reads
the same loaded record and computed responses (load.py, responses.py) and adds its figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from diary import analysis, charts, measures
from diary.models import User
from diary.services.review.key_figures import KeyFigures, key_figures
from diary.services.review.load import Loaded, load
from diary.services.review.responses import CourseRow, Responses, compute
from diary.services.treatments import KIND_LABELS

RANGES: dict[str, int | None] = {"30": 30, "90": 90, "180": 180, "365": 365, "all": None}
RANGE_LABELS = {"30": "30 days", "90": "90 days", "180": "180 days", "365": "1 year", "all": "All"}
DEFAULT_RANGE = "90"
REPORT_COURSES = 5


@dataclass
class Review:
    """One patient's record, its computed responses and key figures: what every view reads."""

    patient: User
    loaded: Loaded
    responses: Responses
    key: KeyFigures


def build(patient: User) -> Review:
    loaded = load(patient)
    responses = compute(loaded)
    return Review(patient, loaded, responses, key_figures(loaded, responses))


@dataclass
class ReviewPage:
    patient: User
    range_key: str
    range_notice: str | None
    start: date
    end: date
    key: KeyFigures
    responses: Responses
    infusions_in_range: int
    figures: dict[str, str] = field(default_factory=dict)  # name -> figure JSON


def parse_range(raw: str | None) -> tuple[str, str | None]:
    """The range key to use and a notice when `raw` was not one of RANGES (the default then)."""
    if raw is None or raw == "":
        return DEFAULT_RANGE, None
    if raw in RANGES:
        return raw, None
    shown = raw[:20]
    return DEFAULT_RANGE, (
        f"'{shown}' is not a range this page offers; showing the last "
        f"{RANGE_LABELS[DEFAULT_RANGE]}. Choose 30, 90, 180 or 365 days, or all."
    )


def review_page(patient: User, range_raw: str | None = None) -> ReviewPage:
    """Everything the review page shows for `range_raw` (see parse_range), in four queries.
    The range applies to the charts; the response table covers the whole history."""
    range_key, notice = parse_range(range_raw)
    review = build(patient)
    today = review.loaded.today
    days = RANGES[range_key]
    if days:
        start = today - timedelta(days=days - 1)
    else:
        firsts = [*review.loaded.aggregates, *(s.day for s in review.responses.past)]
        start = min(firsts, default=today)
    in_range = [c for c in review.responses.courses if start <= c.end_day <= today]
    page = ReviewPage(
        patient=patient,
        range_key=range_key,
        range_notice=notice,
        start=start,
        end=today,
        key=review.key,
        responses=review.responses,
        infusions_in_range=sum(1 for s in review.responses.past if start <= s.day <= today),
    )
    page.figures = _page_figures(review, start, today, in_range)
    return page


def summary(patient: User) -> KeyFigures:
    """The key figures alone (GET /patients/<id>/summary)."""
    return build(patient).key


def responses(patient: User) -> Responses:
    """Every per-session and per-course response (GET /patients/<id>/responses)."""
    return build(patient).responses


@dataclass
class Report:
    patient: User
    key: KeyFigures
    responses: Responses
    recent: list[CourseRow]  # the courses in the aligned chart, newest first
    figures: dict[str, str]


def report(patient: User) -> Report:
    """The printable pre-visit summary: the key figures, the whole response table, and two
    charts (daily pain since the week before the last course, and pain aligned on the last
    REPORT_COURSES courses), sized for an A4 page."""
    review = build(patient)
    key, loaded = review.key, review.loaded
    today = loaded.today
    recent = review.responses.courses[-REPORT_COURSES:]
    course = key.last_course
    first = course.first_day if course else key.period_start
    start = min(first - timedelta(days=7), today - timedelta(days=13))
    pain_fig = charts.pain_figure(
        loaded.aggregates,
        start,
        today,
        [s.day for s in review.responses.past],
        mark_late=True,
        treatments=_treatment_marks(review),
    )
    aligned_fig = _aligned(review, recent)
    for fig in (pain_fig, aligned_fig):
        fig.update_layout(width=680, height=250, margin={"t": 16, "b": 36})
    figures = {
        measures.PAIN.code: charts.script_json(
            charts.figure_json(pain_fig, config=charts.STATIC_CONFIG)
        ),
        "aligned": charts.script_json(charts.figure_json(aligned_fig, config=charts.STATIC_CONFIG)),
    }
    return Report(patient, key, review.responses, list(reversed(recent)), figures)


def course_name(course: CourseRow) -> str:
    return f"Course {course.number} ({course.first_day.isoformat()})"


def _treatment_marks(review: Review) -> list[tuple[date, str]]:
    return [
        (t.day, KIND_LABELS.get(t.kind, t.kind) + (f": {t.description}" if t.description else ""))
        for t in review.loaded.treatments
    ]


def _aligned(review: Review, courses: list[CourseRow]):
    """Pain aligned on each course's end (day 0), cut at the next course's first session."""
    daily = analysis.daily_pain(review.loaded.aggregates)
    aligned = analysis.aligned_on_infusions(
        daily,
        [c.end_day for c in courses],
        next_days={c.end_day: c.next_first_day for c in courses},
        baseline_days={c.end_day: c.first_day for c in courses},
    )
    return charts.aligned_figure(aligned, names={c.end_day: course_name(c) for c in courses})


def _page_figures(
    review: Review, start: date, end: date, in_range: list[CourseRow]
) -> dict[str, str]:
    aggregates = review.loaded.aggregates
    courses = review.responses.courses
    shown = {d: a for d, a in aggregates.items() if start <= d <= end}
    weekly = [(c.day, c.promis_raw, c.pgic) for c in review.loaded.checkins]
    session_days = [s.day for s in review.responses.past if start <= s.day <= end]
    figures = {
        measures.PAIN.code: charts.pain_figure(
            aggregates,
            start,
            end,
            session_days,
            mark_late=True,
            treatments=_treatment_marks(review),
        ),
        measures.SYMPTOMS.code: charts.symptom_figure(aggregates, start, end),
        measures.BODY_SITES.code: charts.body_site_figure(shown),
        "aligned": _aligned(review, in_range),
        "sleep": charts.sleep_interference_figure(aggregates, start, end, weekly),
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
    if (end - start).days >= charts.WEEKLY_AFTER_DAYS:
        for name in (measures.PAIN.code, measures.SYMPTOMS.code, "sleep"):
            charts.weekly(figures[name], start, end)
    for fig in (figures[measures.SYMPTOMS.code], figures[measures.SIDE_EFFECTS.code]):
        # plotly draws a colour bar with style="" attributes, which the CSP refuses; the page
        # gives these two legends in HTML instead.
        fig.update_traces(showscale=False, selector={"type": "heatmap"})
    return {name: charts.script_json(charts.figure_json(fig)) for name, fig in figures.items()}


def _effects_end(course: CourseRow) -> date:
    """The last day of the side-effect window: 7 days after the course ended, stopping before
    the next course (analysis.SAFETY_DEFINITION)."""
    last = course.end_day + timedelta(days=analysis.safety.SIDE_EFFECT_DAYS)
    if course.next_first_day is not None:
        last = min(last, course.next_first_day - analysis.ONE_DAY)
    return last
