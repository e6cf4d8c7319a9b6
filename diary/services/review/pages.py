"""The review page, the printable pre-visit report, the summary and the responses: each reads
the same loaded record and computed responses (load.py, responses.py) and adds its figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from diary import analysis, charts, charts_svg, measures
from diary.models import User, utcnow
from diary.services.review import history
from diary.services.review.body_map import ReviewBodyMap, body_map_of_days
from diary.services.review.key_figures import KeyFigures, key_figures
from diary.services.review.load import Loaded, load
from diary.services.review.responses import CourseRow, Responses, compute
from diary.services.treatments import KIND_LABELS

RANGES: dict[str, int | None] = {"30": 30, "90": 90, "180": 180, "365": 365, "all": None}
RANGE_LABELS = {"30": "30 days", "90": "90 days", "180": "180 days", "365": "1 year", "all": "All"}
DEFAULT_RANGE = "90"
# The printed report's aligned chart: its last courses, fewer than the review's bound
# (charts_svg.ALIGNED_COURSES, one colour each) to fit an A4 page; aligned only for those.
REPORT_COURSES = 5


@dataclass
class Review:
    """One patient's record, its computed responses and key figures: what every view reads."""

    patient: User
    loaded: Loaded
    responses: Responses
    key: KeyFigures
    kept: history.History | None = None  # the kept history the record was computed from


def build(patient: User, shared: history.Shared | None = None) -> Review:
    """The patient's record, its responses and key figures. What only older, unchanged days
    decide is taken from the kept history when there is one (history.py: this worker's, or
    the one `shared` holds for every worker), and kept for the next time when there was none
    or when the boundary has moved on since it was kept (every 28 days: the days between
    the two boundaries join the kept ones, and the next review reads fewer recent days)."""
    now = utcnow()
    kept = history.kept(patient, now, shared)
    loaded = load(patient, now, kept)
    responses = compute(loaded, kept.courses if kept is not None else None)
    bound = history.boundary(now)
    if kept is None:
        kept = history.of(loaded, responses, bound)
        history.keep(patient, kept, shared)
    elif kept.boundary < bound:
        # The record's charts still group from the history it was computed from (whose
        # groupings of the older days this worker may have made already); the next review
        # starts from the new one.
        history.keep(patient, history.of(loaded, responses, bound), shared)
    return Review(patient, loaded, responses, key_figures(loaded, responses), kept)


@dataclass
class ReviewPage:
    patient: User
    range_key: str
    range_notice: str | None
    start: date
    end: date
    key: KeyFigures
    responses: Responses | None  # None once rendered into `html` (review_cache.review_page)
    infusions_in_range: int
    # The page's parts rendered once per data version (review_cache.review_page's `render`):
    # the course and session tables and the body map, by name, as HTML.
    html: dict[str, str] = field(default_factory=dict)
    # The body map of start..end, counted from the loaded days (no query) for the render,
    # which draws it into `html` and drops it (clinic.views._review_parts).
    body_map: ReviewBodyMap | None = None
    # The courses that ended in start..end (the aligned chart's). A default only because the
    # field follows others with one (a page cached by another release is never read: the
    # cache keys name the release, shared_cache.release).
    courses_in_range: int = 0

    @property
    def aligned_drawn(self) -> int | None:
        """How many courses the aligned chart draws when it leaves some out (the last
        charts_svg.ALIGNED_COURSES), else None: the page's words about the chart say so."""
        bound = charts_svg.ALIGNED_COURSES
        return bound if self.courses_in_range > bound else None

    @property
    def weekly(self) -> bool:
        """The charts show weekly means (charts.WEEKLY_NOTE)."""
        return (self.end - self.start).days >= charts.WEEKLY_AFTER_DAYS


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


def review_page(
    patient: User, range_raw: str | None = None, built: Review | None = None
) -> ReviewPage:
    """What the review page shows for `range_raw` (see parse_range): the key figures and every
    course's response (whole history), and the period the charts cover. The charts themselves
    come in one JSON request (review/charts.py), so the page is small and shows this at once."""
    range_key, notice = parse_range(range_raw)
    review = built or build(patient)
    start, end = chart_period(review, range_key)
    return ReviewPage(
        patient=patient,
        range_key=range_key,
        range_notice=notice,
        start=start,
        end=end,
        key=review.key,
        responses=review.responses,
        infusions_in_range=sum(1 for s in review.responses.past if start <= s.day <= end),
        courses_in_range=sum(1 for c in review.responses.courses if start <= c.end_day <= end),
        body_map=body_map_of_days(review.loaded.aggregates, start, end, review.kept),
    )


def chart_period(review: Review, range_key: str) -> tuple[date, date]:
    """The first and last day the charts show: the range's days up to today, or from the first
    entry or session ("all")."""
    today = review.loaded.today
    days = RANGES[range_key]
    if days:
        return today - timedelta(days=days - 1), today
    firsts = [next(iter(review.loaded.aggregates), today), *(s.day for s in review.responses.past)]
    return min(firsts), today


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


def report(patient: User, built: Review | None = None) -> Report:
    """The printable pre-visit summary: the key figures, the whole response table, and two
    charts (daily pain since the week before the last course, and pain aligned on the last
    REPORT_COURSES courses), sized for an A4 page."""
    review = built or build(patient)
    key, loaded = review.key, review.loaded
    today = loaded.today
    # the courses that have ended (a continuous infusion still running has no day 0 yet), as
    # the page's aligned chart draws them
    recent = [c for c in review.responses.courses if c.end_day <= today][-REPORT_COURSES:]
    course = key.last_course
    first = course.first_day if course else key.period_start
    start = min(first - timedelta(days=7), today - timedelta(days=13))
    pain_fig = charts.pain_figure(
        loaded.aggregates,
        start,
        today,
        [s.day for s in review.responses.past],
        mark_late=True,
        treatments=treatment_marks(review),
    )
    aligned_fig = aligned(review, recent)
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


def treatment_marks(review: Review) -> list[tuple[date, str]]:
    return [
        (t.day, KIND_LABELS.get(t.kind, t.kind) + (f": {t.description}" if t.description else ""))
        for t in review.loaded.treatments
    ]


def aligned_series(review: Review, courses: list[CourseRow]) -> list[analysis.AlignedSeries]:
    """Pain aligned on each course's end (day 0), cut at the next course's first session: one
    series per course, in the courses' order (two courses can end on the same day: a session
    that starts a new course on the day the last one ended; each keeps its own cut and
    baseline week). With a kept history (review.kept), a course whose next course began by its
    boundary reads only days before it (its baseline week, and its line up to the cut): its
    series is made once per kept history."""

    def aligned(course: CourseRow, daily) -> analysis.AlignedSeries:
        return analysis.aligned_on_infusions(
            daily,
            [course.end_day],
            next_days={course.end_day: course.next_first_day},
            baseline_days={course.end_day: course.first_day},
        )[0]

    kept = review.kept
    series = []
    for c in courses:
        if kept is not None and c.next_first_day is not None and c.next_first_day <= kept.boundary:
            key = ("aligned", c.end_day, c.next_first_day, c.first_day)
            series.append(kept.before(key, lambda c=c: aligned(c, kept.daily)))
        else:
            series.append(aligned(c, review.loaded.daily))
    return series


def course_names(courses: list[CourseRow]) -> list[str]:
    """Each course's name, in order, as the aligned charts name their lines (one per course:
    aligned_series)."""
    return [course_name(c) for c in courses]


def aligned(review: Review, courses: list[CourseRow]):
    """The report's plotly chart of aligned_series."""
    return charts.aligned_figure(aligned_series(review, courses), names=course_names(courses))
