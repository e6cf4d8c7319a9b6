"""The figures a clinician reads first, from the loaded record and its computed responses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice

from diary import analysis, measures
from diary.codes import SEVERITIES, SIDE_EFFECTS, label
from diary.services.review.load import Checkin, Loaded
from diary.services.review.responses import CourseRow, Responses, SessionRow, SeverityScore

NOTES_SHOWN = 12
LAB_NOTES_SHOWN = 10
PERIOD_DAYS_WITHOUT_INFUSION = 30


@dataclass(frozen=True)
class SideEffectReport:
    code: str
    label: str
    severity: int

    @property
    def severity_label(self) -> str:
        return SEVERITIES[self.severity]


@dataclass(frozen=True)
class Note:
    day: date
    text: str
    flare: bool


@dataclass(frozen=True)
class LabNote:
    day: date
    text: str


@dataclass(frozen=True)
class KeyFigures:
    """The figures a clinician reads first. The period is "since the last course" (the day
    after it ended to today) when one exists, else the last 30 days."""

    today: date
    period_start: date
    period_end: date
    last_infusion: SessionRow | None
    last_course: CourseRow | None
    next_infusion: SessionRow | None
    days_since_last_infusion: int | None
    mean_pain_7_days: float | None
    baseline: float | None
    change_mean: float | None  # mean pain on the days after the last course, last 7 days
    change_days: int  # days with entries behind change_mean
    change_span: int  # days after the last course within the last 7
    change_pct: float | None
    change_points: float | None
    band: str
    days_with_data_14: int
    adherence: analysis.Adherence
    flare_days: tuple[date, ...]
    css: SeverityScore
    css_change: int | None
    css_change_beyond_srd: bool
    latest_checkin: Checkin | None
    side_effects_after_last_infusion: tuple[SideEffectReport, ...]
    notes: tuple[Note, ...]
    lab_notes: tuple[LabNote, ...]
    last_entry_day: date | None
    cumulative_dose: analysis.CumulativeDose
    relief_trend: analysis.ReliefTrend

    @property
    def band_label(self) -> str:
        return analysis.RESPONDER_LABELS[self.band]

    @property
    def change_important(self) -> bool:
        return analysis.important_nrs_change(self.change_points)


def flare_windows(responses: Responses) -> list[tuple[date, date, float]]:
    """The observation window after each course with its baseline, for analysis.flares."""
    windows = []
    for c in responses.courses:
        if c.response.baseline is None:
            continue
        last = c.end_day + timedelta(days=analysis.RESPONSE_HORIZON_DAYS)
        if c.next_first_day is not None:
            last = min(last, c.next_first_day - analysis.ONE_DAY)
        windows.append((c.end_day + analysis.ONE_DAY, last, c.response.baseline))
    return windows


def key_figures(loaded: Loaded, responses: Responses) -> KeyFigures:
    today = loaded.today
    aggregates = loaded.aggregates
    past = responses.past
    last = past[-1] if past else None
    course = responses.courses[-1] if responses.courses else None
    upcoming = [s for s in responses.sessions if s.scheduled]
    daily = loaded.daily
    if course is not None:
        period_start = min(course.end_day + analysis.ONE_DAY, today)
    else:
        period_start = today - timedelta(days=PERIOD_DAYS_WITHOUT_INFUSION - 1)
    mean7 = analysis.window_mean(daily, today - timedelta(days=6), today)
    base = course.response.baseline if course else None
    if course is not None:
        since, used, span = analysis.change_since(daily, course.end_day, today)
    else:
        since, used, span = None, 0, 0
    flare_days = tuple(
        d
        for d in analysis.flares(daily, baselines=flare_windows(responses))
        if period_start <= d <= today
    )

    with_exam = [s for s in past if s.record.exam_signs is not None]
    if with_exam:
        css = with_exam[-1].css
    else:
        css = SeverityScore(None, "No exam signs have been recorded at any visit.")

    worst: dict[str, int] = {}
    if course is not None:
        window = analysis.days_between(
            course.first_day, course.end_day + timedelta(days=analysis.safety.SIDE_EFFECT_DAYS)
        )
        for d in (d for d in window if d in aggregates):
            for code, severity in aggregates[d][measures.SIDE_EFFECTS.code].items():
                worst[code] = max(severity, worst.get(code, 0))
    order = {c.code: i for i, c in enumerate(SIDE_EFFECTS)}
    effects = tuple(
        SideEffectReport(code, label(SIDE_EFFECTS, code), severity)
        for code, severity in sorted(worst.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99)))
        if severity > 0
    )
    flares = set(flare_days)
    # The newest NOTES_SHOWN notes of the period: its days read from today back, stopping
    # there (not every day of five years looked at).
    notes = tuple(
        islice(
            (
                Note(d, text, d in flares)
                for d in reversed(analysis.days_between(period_start, today))
                if d in aggregates
                for text in aggregates[d].notes
            ),
            NOTES_SHOWN,
        )
    )
    lab_notes = tuple(
        LabNote(s.day, s.record.lab_notes) for s in reversed(past) if s.record.lab_notes
    )[:LAB_NOTES_SHOWN]
    return KeyFigures(
        today=today,
        period_start=period_start,
        period_end=today,
        last_infusion=last,
        last_course=course,
        next_infusion=upcoming[0] if upcoming else None,
        days_since_last_infusion=(today - last.day).days if last else None,
        mean_pain_7_days=mean7,
        baseline=base,
        change_mean=since,
        change_days=used,
        change_span=span,
        change_pct=analysis.percent_change(base, since),
        change_points=analysis.absolute_change(base, since),
        band=analysis.response_band(base, since),
        days_with_data_14=sum(
            1 for d in analysis.days_between(today - timedelta(13), today) if d in aggregates
        ),
        adherence=analysis.adherence_split(aggregates, period_start, today),
        flare_days=flare_days,
        css=css,
        css_change=responses.css_change,
        css_change_beyond_srd=responses.css_change_beyond_srd,
        latest_checkin=loaded.checkins[-1] if loaded.checkins else None,
        side_effects_after_last_infusion=effects,
        notes=notes,
        lab_notes=lab_notes,
        last_entry_day=max(aggregates, default=None),
        cumulative_dose=responses.cumulative_dose,
        relief_trend=responses.relief_trend,
    )
