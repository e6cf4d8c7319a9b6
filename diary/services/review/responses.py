"""The one computed object behind every per-infusion and per-course number.

`compute(loaded)` groups the sessions into courses and measures each course once: baseline,
week-1 and best change (percent and NRS points), relief, the next session against the day pain
came back, dose, outcome measures (PEG, PROMIS PI 4a T-score, PGIC), side effects, rescue
medication and other treatments. The review page, the printed report, GET /summary and
GET /responses all read this object; none computes a number of its own. Definitions are in
diary.analysis and docs/clinical.md.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean

from diary import analysis, measures
from diary.analysis import Course, InfusionResponse, ReliefStatus
from diary.analysis.trailing import DayRuns
from diary.services.review.course_days import CourseDays
from diary.services.review.load import Checkin, Loaded, SessionRecord, TreatmentRecord

CSS_WINDOW_DAYS = 7
PROMIS_BEFORE_DAYS = 14
CHECKIN_AFTER_DAYS = 28
PEG_MIN_DAYS = 4
# The windows' lengths, made once (not a timedelta with keywords for each of forty courses).
_OBSERVED = timedelta(days=analysis.RESPONSE_HORIZON_DAYS)
_EFFECTS = timedelta(days=analysis.safety.SIDE_EFFECT_DAYS)
_RESCUE_AFTER = timedelta(days=analysis.safety.RESCUE_DAYS)
_BASELINE_WEEK = timedelta(days=analysis.BASELINE_DAYS)
_PEG_AFTER = timedelta(days=7)
_PROMIS_BEFORE = timedelta(days=PROMIS_BEFORE_DAYS)
_CHECKIN_AFTER = timedelta(days=CHECKIN_AFTER_DAYS)
_CSS_WINDOW = timedelta(days=CSS_WINDOW_DAYS)

CSS_DEFINITION = (
    "CRPS Severity Score (16-item form, 0-16; Harden 2010): the clinician's 8 exam signs at the "
    "visit plus the 8 symptom items from the diary entries of the 7 days before it. A diary "
    "alone cannot give it; shown only for a visit with an exam and entries in those 7 days. "
    "A change between two visits of 5 points or more exceeds the smallest real difference "
    "(4.9 points, 2017 validation); a smaller change is within measurement error."
)

OUTCOMES_DEFINITION = (
    "PEG (Krebs 2009): mean of average pain and the two interference items (0-10), from the "
    "daily PEG items; before = the course's baseline week, after = days +1 to +7 (at least 4 "
    "days with all three items). A change of about 1 point matters to patients. PROMIS Pain "
    "Interference 4a T-score from the v1.0 scoring table: before = the latest check-in in the "
    "14 days up to the first session, after = the first check-in in the 28 days after the "
    "course ended; 2-3 T points is an important change. PGIC of that check-in: 1 very much or "
    "2 much improved counts as a responder."
)

PAIN_BACK_DEFINITION = (
    "Next session against pain coming back: the days between the day relief ended (pain back "
    "above baseline x 0.7) and the first session of the next course. Positive: pain was back "
    "that many days before the next session."
)


@dataclass(frozen=True)
class SeverityScore:
    """The CSS of one visit, or why there is none (`score` None, `reason` says why)."""

    score: int | None
    reason: str | None = None
    day: date | None = None


@dataclass(frozen=True)
class SessionRow:
    """One session: the record, its course (None while scheduled) and its CSS."""

    record: SessionRecord
    course: int | None
    course_reason: str | None
    css: SeverityScore

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def day(self) -> date:
        return self.record.day

    @property
    def scheduled(self) -> bool:
        return self.record.scheduled

    @property
    def local_start(self):
        return self.record.local_start


@dataclass(frozen=True)
class PainBack:
    """The next course's first session against the day pain came back (PAIN_BACK_DEFINITION):
    `days_before_next` (and `days_before_next_max` for an interval), None when unknown."""

    text: str
    days_before_next: int | None = None
    days_before_next_max: int | None = None


@dataclass(frozen=True)
class CourseRow:
    number: int
    sessions: tuple[SessionRow, ...]
    first_day: date
    end_day: date
    response: InfusionResponse
    next_first_day: date | None
    pain_back: PainBack
    dose_total_mg: float | None
    doses_missing: int
    rate_min: float | None
    rate_max: float | None
    duration_minutes: int | None
    adjuncts: tuple[str, ...]
    pain_pre: int | None  # before the first session
    pain_post: int | None  # after the last session
    adverse_events: tuple[tuple[date, str], ...]
    peg_before: float | None
    peg_after: float | None
    promis_before: Checkin | None
    promis_after: Checkin | None
    effects_after: dict[str, int | None]  # analysis.SAFETY_TREND_CODES -> worst severity
    # every effect reported in the same window -> its highest severity; None without entries
    # (analysis.highest_severities: the side-effect chart's column)
    effects_highest: dict[str, int] | None
    rescue_before: analysis.RescueDays
    rescue_after: analysis.RescueDays
    treatments: tuple[TreatmentRecord, ...]
    grouping: tuple[str, ...]  # why each session is in this course

    @property
    def rate_mean(self) -> float | None:
        rates = [s.record.rate_mg_kg_h for s in self.sessions if s.record.rate_mg_kg_h]
        return fmean(rates) if rates else None

    @property
    def relief_length(self) -> float | None:
        """The relief length used by the trend and the dose chart (RELIEF_TREND_DEFINITION)."""
        relief = self.response.relief
        if relief.status == ReliefStatus.ENDED:
            return float(relief.days)
        if relief.status == ReliefStatus.ENDED_IN_GAP:
            return (relief.days + relief.days_max) / 2
        return None

    @property
    def peg_change(self) -> float | None:
        return analysis.absolute_change(self.peg_before, self.peg_after)

    @property
    def promis_change(self) -> float | None:
        before = self.promis_before.promis_t if self.promis_before else None
        after = self.promis_after.promis_t if self.promis_after else None
        return analysis.absolute_change(before, after)


@dataclass(frozen=True)
class Responses:
    """Every per-session and per-course number of one patient's review."""

    today: date
    sessions: list[SessionRow]  # all, in start order; scheduled ones last
    courses: list[CourseRow]  # oldest first
    relief_trend: analysis.ReliefTrend
    cumulative_dose: analysis.CumulativeDose
    css_change: int | None  # between the last two visits with a CSS
    css_change_beyond_srd: bool

    @property
    def past(self) -> list[SessionRow]:
        return [s for s in self.sessions if not s.scheduled]

    def course_of(self, session: SessionRow) -> CourseRow | None:
        return self.courses[session.course - 1] if session.course else None


# A measured course: its number, its sessions' ids and the next course's first day.
CourseKey = tuple[int, tuple[int, ...], date | None]


def course_key(number: int, session_ids, next_first: date | None) -> CourseKey:
    return (number, tuple(session_ids), next_first)


def compute(loaded: Loaded, closed: Mapping[CourseKey, CourseRow] | None = None) -> Responses:
    """Every session's and course's numbers. `closed`: rows of courses measured before, by
    (course, next course's first day), that only older, unchanged days decide (history.py);
    a course found there with the same sessions is not measured again."""
    aggregates = loaded.aggregates
    daily = loaded.daily
    days = CourseDays(aggregates)
    past = [s for s in loaded.sessions if not s.scheduled]
    courses = analysis.group_courses([s.session() for s in past])
    number_of: dict[int, tuple[int, str]] = {
        sid: (c.number, reason)
        for c in courses
        for sid, reason in zip(c.session_ids, c.reasons, strict=True)
    }
    rows = [
        SessionRow(
            record=s,
            course=number_of[s.id][0] if s.id in number_of else None,
            course_reason=number_of[s.id][1] if s.id in number_of else None,
            css=_severity_score(s, days),
        )
        for s in loaded.sessions
    ]
    by_id = {r.id: r for r in rows}
    checkins, treatments = _ByDay(loaded.checkins), _ByDay(loaded.treatments)
    # The courses' days after and baseline weeks read as slices. `daily` has, as load.py
    # makes it, the days of `aggregates` in their order: compared, not sorted again.
    runs = DayRuns(daily, days.days)
    course_rows = []
    for i, course in enumerate(courses):
        following = courses[i + 1].first_day if i + 1 < len(courses) else None
        members = [by_id[sid] for sid in course.session_ids]
        row = None
        if closed and following is not None:
            row = closed.get(course_key(course.number, course.session_ids, following))
        if row is None or row.sessions != tuple(members):
            row = _course_row(
                course, following, members, loaded, daily, runs, days, checkins, treatments
            )
        course_rows.append(row)
    trend = analysis.relief_trend([(c.number, c.relief_length) for c in course_rows])
    # the visits that took place (a scheduled session may carry exam signs entered ahead)
    scored = [r.css.score for r in rows if r.css.score is not None and not r.record.scheduled]
    css_change, beyond = analysis.css_change(*scored[-2:]) if len(scored) >= 2 else (None, False)
    return Responses(
        today=loaded.today,
        sessions=rows,
        courses=course_rows,
        relief_trend=trend,
        cumulative_dose=analysis.cumulative_dose([(s.day, s.dose_mg) for s in past], loaded.today),
        css_change=css_change,
        css_change_beyond_srd=beyond,
    )


def _course_row(
    course: Course,
    next_first: date | None,
    sessions: list[SessionRow],
    loaded: Loaded,
    daily: Mapping[date, float],
    runs: DayRuns,
    days: CourseDays,
    checkins: _ByDay,
    treatments: _ByDay,
) -> CourseRow:
    """One course's row. Each window is worked out once: the week before the first session
    (baseline, PEG before, rescue before) and the days after the end, stopping the day before
    the next course (PEG, PROMIS and rescue after, side effects, other treatments); the days of
    each window with entries are read once (CourseDays)."""
    first_day, end_day = course.first_day, course.end_day  # end_day: a max over the sessions
    response = analysis.infusion_response(
        daily,
        end_day,
        next_infusion_day=next_first,
        baseline_day=first_day,
        today=loaded.today,
        runs=runs,
    )
    day_after = end_day + analysis.ONE_DAY
    observed_to = end_day + _OBSERVED
    effects_to = end_day + _EFFECTS
    after_to = end_day + _RESCUE_AFTER
    if next_first is not None:
        day_before_next = next_first - analysis.ONE_DAY
        observed_to = min(observed_to, day_before_next)
        effects_to = min(effects_to, day_before_next)
        after_to = min(after_to, day_before_next)
    records = [s.record for s in sessions]
    doses = [r.dose_mg for r in records if r.dose_mg is not None]
    rates = [r.rate_mg_kg_h for r in records if r.rate_mg_kg_h is not None]
    durations = [r.duration_minutes for r in records if r.duration_minutes is not None]
    adjuncts: dict[str, None] = {}
    for r in records:
        adjuncts.update(dict.fromkeys(r.adjuncts))
    week_before = first_day - _BASELINE_WEEK
    before = days.window(week_before, first_day - analysis.ONE_DAY)
    peg_to = min(end_day + _PEG_AFTER, observed_to)
    peg_after = days.window(day_after, peg_to)
    rescue_after = peg_after if after_to == peg_to else days.window(day_after, after_to)
    effects = days.column(days.window(first_day, effects_to), measures.SIDE_EFFECTS.code)
    return CourseRow(
        number=course.number,
        sessions=tuple(sessions),
        first_day=first_day,
        end_day=end_day,
        response=response,
        next_first_day=next_first,
        pain_back=_pain_back(response, end_day, next_first),
        dose_total_mg=sum(doses) if doses else None,
        doses_missing=len(records) - len(doses),
        rate_min=min(rates, default=None),
        rate_max=max(rates, default=None),
        duration_minutes=sum(durations) if durations else None,
        adjuncts=tuple(adjuncts),
        pain_pre=records[0].pain_pre,
        pain_post=records[-1].pain_post,
        adverse_events=tuple((r.day, r.adverse_events) for r in records if r.adverse_events),
        peg_before=days.peg_mean(before, PEG_MIN_DAYS),
        peg_after=days.peg_mean(peg_after, PEG_MIN_DAYS),
        promis_before=_latest_with_promis(checkins.between(first_day - _PROMIS_BEFORE, first_day)),
        promis_after=next(
            iter(checkins.between(day_after, min(end_day + _CHECKIN_AFTER, observed_to))),
            None,
        ),
        effects_after=analysis.worst_severity_of(effects, analysis.SAFETY_TREND_CODES),
        effects_highest=analysis.highest_severities(effects),
        rescue_before=analysis.rescue_days_of(days.column(before, measures.MEDICATIONS.code)),
        rescue_after=analysis.rescue_days_of(days.column(rescue_after, measures.MEDICATIONS.code)),
        treatments=tuple(treatments.between(week_before, observed_to)),
        grouping=course.reasons,
    )


def _pain_back(response: InfusionResponse, end_day: date, next_first: date | None) -> PainBack:
    relief = response.relief
    if relief.status == ReliefStatus.ENDED:
        back = end_day + timedelta(days=relief.days)
        if next_first is None:
            return PainBack(f"pain back on {back.strftime('%d %b %Y')}; no later session")
        gap = (next_first - back).days
        return PainBack(_before_next(gap), gap)
    if relief.status == ReliefStatus.ENDED_IN_GAP:
        early = end_day + timedelta(days=relief.days + 1)
        late = end_day + timedelta(days=relief.days_max)
        if next_first is None:
            return PainBack(
                f"pain back between {early.strftime('%d %b')} and {late.strftime('%d %b %Y')}"
                "; no later session"
            )
        most, least = (next_first - early).days, (next_first - late).days
        return PainBack(f"pain back {least}-{most} days before the next session", least, most)
    if next_first is None:
        return PainBack("no later session")
    if relief.status == ReliefStatus.CENSORED:
        return PainBack("next session while still in relief", 0)
    if relief.status == ReliefStatus.NONE:
        return PainBack(f"no relief; next session {(next_first - end_day).days} days later")
    return PainBack("unknown (not enough data)")


def _before_next(gap: int) -> str:
    if gap > 0:
        return f"pain back {gap} day{'s' * (gap != 1)} before the next session"
    if gap == 0:
        return "pain back on the day of the next session"
    return "next session while still in relief"


class _ByDay:
    """Check-ins or treatments (oldest first, as loaded) found by day: a course's window is
    found by bisection, not by reading five years of weekly check-ins for each of forty
    courses."""

    def __init__(self, items: list) -> None:
        self._items = items
        self._days = [c.day for c in items]
        self._ordered = all(a <= b for a, b in zip(self._days, self._days[1:], strict=False))

    def between(self, start: date, end: date) -> list:
        """The items of days start..end, in their order."""
        if not self._ordered:
            return [c for c in self._items if start <= c.day <= end]
        return self._items[bisect_left(self._days, start) : bisect_right(self._days, end)]


def _latest_with_promis(checkins: list[Checkin]) -> Checkin | None:
    """The last of these check-ins with a PROMIS score."""
    return next((c for c in reversed(checkins) if c.promis_raw is not None), None)


def _severity_score(session: SessionRecord, days: CourseDays):
    """The CSS at this visit (CSS_DEFINITION), or why it is not shown."""
    day = session.day
    if session.exam_signs is None:
        return SeverityScore(None, "No exam recorded at this visit.", day)
    window = days.window(day - _CSS_WINDOW, day - analysis.ONE_DAY)
    if not window:
        return SeverityScore(None, "No diary entries in the 7 days before this visit.", day)
    score = analysis.crps_severity_score(
        pain_reported=any(p > 0 for p in days.column(window, measures.PAIN.code)),
        symptom_codes=frozenset().union(*days.column(window, measures.SYMPTOMS.code)),
        exam_signs=frozenset(session.exam_signs),
    )
    return SeverityScore(score, None, day)
