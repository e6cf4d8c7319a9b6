"""Response to an infusion: baseline, percent change, IMMPACT responder bands, relief duration,
pain aligned on each infusion.

Pure: plain dates and numbers in, plain values out (no Flask, no database). Sources in
docs/clinical.md (IMMPACT: Dworkin 2008, Farrar 2001).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from itertools import compress, repeat
from math import trunc
from operator import is_not
from statistics import fmean

from diary.analysis.daily import ONE_DAY, days_between
from diary.analysis.relief import (
    EDGE_DIGITS,
    RELIEF_HORIZON_DAYS,
    RELIEF_MIN_POINTS,
    RELIEF_WINDOW,
    Relief,
    ReliefStatus,
    relief_duration,
)
from diary.analysis.trailing import DayRuns, span_of, trailing_means

BASELINE_DAYS = 7
BASELINE_MIN_DAYS = 4
# A fall of about 2 points on the 0-10 NRS is clinically important (Farrar 2001; Mangnus 2021
# counted a responder as a drop of at least 2 points).
IMPORTANT_NRS_CHANGE = 2.0


class Band(StrEnum):
    """IMMPACT responder band codes, best to worst; stable strings, exported as they are."""

    SUBSTANTIAL = "substantial"
    MODERATE = "moderate"
    MINIMAL = "minimal"
    NO_CHANGE = "none"
    WORSE = "worse"
    NO_BASELINE_PAIN = "no_baseline_pain"
    NOT_ENOUGH_DATA = "not_enough_data"


SUBSTANTIAL = Band.SUBSTANTIAL
MODERATE = Band.MODERATE
MINIMAL = Band.MINIMAL
NO_CHANGE = Band.NO_CHANGE
WORSE = Band.WORSE
NO_BASELINE_PAIN = Band.NO_BASELINE_PAIN
NOT_ENOUGH_DATA = Band.NOT_ENOUGH_DATA

RESPONDER_LABELS: dict[str, str] = {
    Band.SUBSTANTIAL: "Substantial improvement (50% or more less pain)",
    Band.MODERATE: "Moderate improvement (30-49% less pain)",
    Band.MINIMAL: "Minimal improvement (10-29% less pain)",
    Band.NO_CHANGE: "No important change",
    Band.WORSE: "Worse (10% or more pain)",
    Band.NO_BASELINE_PAIN: "No pain at baseline; percent change undefined",
    Band.NOT_ENOUGH_DATA: "Not enough data",
}

# Relief status codes (kept as names for the callers that compare with them).
RELIEF_ENDED = ReliefStatus.ENDED
RELIEF_ONGOING = ReliefStatus.ONGOING
RELIEF_CENSORED = ReliefStatus.CENSORED
RELIEF_NONE = ReliefStatus.NONE
RELIEF_NOT_ENOUGH_DATA = ReliefStatus.NOT_ENOUGH_DATA


# The baseline's days before the infusion day, nearest first (built once: the dashboard asks
# for thousands of baselines a view).
_BASELINE_BACK = tuple(timedelta(days=i) for i in range(1, BASELINE_DAYS + 1))


def baseline(daily_pain: Mapping[date, float], infusion_day: date) -> float | None:
    """Baseline pain for an infusion: the mean daily pain over the 7 days before the infusion
    day (day-7 .. day-1; the infusion day itself is not included). None unless at least 4 of
    those 7 days have data."""
    return _baseline_of(_baseline_values(daily_pain, infusion_day))


def _baseline_values(daily_pain: Mapping[date, float], infusion_day: date) -> list[float]:
    """The daily pain values of the 7 days before `infusion_day` that have data, nearest first."""
    return [v for back in _BASELINE_BACK if (v := daily_pain.get(infusion_day - back)) is not None]


def _baseline_of(present: list[float]) -> float | None:
    """baseline() of the values _baseline_values gave."""
    if len(present) < BASELINE_MIN_DAYS:
        return None
    return fmean(present)


def percent_change(baseline: float | None, value: float | None) -> float | None:
    """Change from baseline in percent: (value - baseline) / baseline x 100. Negative means
    less pain (improvement). None when baseline or value is None, or baseline is 0 (no
    percentage of nothing)."""
    if baseline is None or value is None or baseline == 0:
        return None
    return (value - baseline) / baseline * 100


def responder_band(pct_change: float | None) -> str:
    """IMMPACT responder band for a percent change in pain (Dworkin 2008, Farrar 2001).

    A reduction of 50% or more is "substantial", 30% or more "moderate", 10% or more "minimal"
    (IMMPACT gives the minimally important change only approximately, as 10-20%; we use 10% as
    the lower edge and call everything below 30% minimal); an increase of 10% or more is
    "worse"; anything in between "none". None gives "not_enough_data". Edges belong to the
    better band: exactly -30% is moderate, exactly -50% substantial (compared on 6 decimals, so
    a float a hair off the edge lands on it). Labels are in RESPONDER_LABELS.
    """
    if pct_change is None:
        return Band.NOT_ENOUGH_DATA
    pct = round(pct_change, EDGE_DIGITS)
    if pct <= -50:
        return Band.SUBSTANTIAL
    if pct <= -30:
        return Band.MODERATE
    if pct <= -10:
        return Band.MINIMAL
    if pct >= 10:
        return Band.WORSE
    return Band.NO_CHANGE


def band_safe_round(pct_change: float, digits: int = 0) -> tuple[float, int]:
    """`pct_change` rounded to `digits` decimals, or to more (up to 2) where rounding would
    carry it across a band's edge (-29.55 is "minimal"; -30 would be "moderate": -29.6); past
    2 decimals cut toward zero, which never crosses an edge the value has not reached. With
    the decimals used."""
    band = responder_band(pct_change)
    for shown_digits in range(digits, 3):
        shown = round(pct_change, shown_digits)
        if responder_band(shown) == band:
            return shown, shown_digits
    return trunc(pct_change * 100) / 100, 2


def percent_text(pct_change: float | None, digits: int = 0) -> str:
    """A percent change as shown beside its band: signed, band_safe_round's decimals ("-30%"
    beside "10-29% less pain" would contradict it: "-29.6%"). An en dash for None."""
    if pct_change is None:
        return "\u2013"
    shown, shown_digits = band_safe_round(pct_change, digits)
    return f"{shown:+.{shown_digits}f}%"


def response_band(baseline: float | None, value: float | None) -> str:
    """The band of `value` against `baseline`: responder_band of the percent change, except
    "no_baseline_pain" when the baseline is 0 (a percent of nothing is undefined; read the
    absolute change instead) and "not_enough_data" when either is None."""
    if baseline is None or value is None:
        return Band.NOT_ENOUGH_DATA
    if round(baseline, EDGE_DIGITS) == 0:
        return Band.NO_BASELINE_PAIN
    return responder_band(percent_change(baseline, value))


def absolute_change(baseline: float | None, value: float | None) -> float | None:
    """value - baseline in NRS points (negative: less pain); None when either is None."""
    if baseline is None or value is None:
        return None
    return value - baseline


def important_nrs_change(change: float | None) -> bool:
    """True when pain fell by at least 2 NRS points (IMPORTANT_NRS_CHANGE), on 6 decimals."""
    return change is not None and round(change, EDGE_DIGITS) <= -IMPORTANT_NRS_CHANGE


@dataclass(frozen=True)
class AlignedSeries:
    """Daily pain around one infusion or course. `points` has one (offset, pain) pair per day
    offset from -before to +after, pain None when that day has no data or lies on or after the
    next infusion (its days belong to that infusion). `next_infusion_offset` is the offset of
    the next infusion when it falls inside the window, else None. `baseline` as in
    `baseline()` of `baseline_day` (the course's first day)."""

    infusion_day: date
    points: tuple[tuple[int, float | None], ...]
    next_infusion_offset: int | None
    baseline: float | None


def series_names(
    aligned: Sequence[AlignedSeries], names: Sequence[str] | Mapping[date, str] | None
) -> list[str]:
    """Each series' name: `names` in order, one per series (courses: two of them can end on
    the same day, when a session starts a new course on the day the last one ended), or by
    day 0 (infusions: one series a day), else day 0 itself (ISO)."""
    if names is None or isinstance(names, Mapping):
        by_day = names or {}
        return [by_day.get(s.infusion_day, s.infusion_day.isoformat()) for s in aligned]
    if len(names) != len(aligned):
        raise ValueError(f"{len(names)} names for {len(aligned)} series")
    return list(names)


@lru_cache(maxsize=8)
def _steps(before: int, after: int) -> tuple[tuple[int, timedelta], ...]:
    """Each day offset -before..+after with its timedelta, made once (a pure function): the
    courses aligned share them."""
    return tuple((offset, timedelta(days=offset)) for offset in range(-before, after + 1))


def aligned_on_infusions(
    daily_pain: Mapping[date, float],
    infusion_days: Iterable[date],
    before: int = 7,
    after: int = RELIEF_HORIZON_DAYS,
    *,
    next_days: Mapping[date, date] | None = None,
    baseline_days: Mapping[date, date] | None = None,
) -> list[AlignedSeries]:
    """For each day 0 (in date order, duplicates once), daily pain by day offset, -before ..
    +after (default -7 .. +84: relief after ketamine can last about 12 weeks). The next
    infusion is the next day in `infusion_days`, or `next_days[day]` when given (the first
    session of the next course, which may be outside the days drawn). Pain on and after the
    next infusion is None (a later infusion's days are never mixed into this one's line); its
    offset is given in `next_infusion_offset` so a chart can mark it. `baseline_days[day]` is
    the day whose baseline week applies (a course's first session), default day 0 itself."""
    ordered = sorted(set(infusion_days))
    steps = _steps(before, after)
    result = []
    for i, day in enumerate(ordered):
        if next_days is not None:
            following = next_days.get(day)
        else:
            following = ordered[i + 1] if i + 1 < len(ordered) else None
        cut = (following - day).days if following is not None else None
        points = tuple(
            (offset, None if cut is not None and offset >= cut else daily_pain.get(day + step))
            for offset, step in steps
        )
        next_offset = cut if cut is not None and cut <= after else None
        base_day = (baseline_days or {}).get(day, day)
        result.append(AlignedSeries(day, points, next_offset, baseline(daily_pain, base_day)))
    return result


CHANGE_DEFINITION = (
    "Change versus baseline: the mean daily pain over the days after the last infusion (or "
    "course) within the last 7 days, compared with its baseline (mean daily pain over the 7 "
    "days before the infusion or the course's first session, at least 4 days with entries); "
    "days before or on the infusion day never count, and the number of days used is shown "
    "(at least half of those days must have entries). In percent, negative means less pain, "
    "and in NRS points (a fall of 2 points or more is clinically important). Bands follow "
    "IMMPACT: 30% or more less pain is a moderate, 50% or more a substantial improvement. With "
    "no pain at baseline a percent change is undefined and only the points are shown."
)


RESPONSE_DEFINITION = (
    "Week-1 response: the mean daily pain over days +1 to +7 after day 0 (the day the "
    "infusion, the course's last session or a continuous infusion ended; at least 4 days with "
    "entries, and the number used is shown) compared with the baseline (the 7 days before the "
    "infusion or the course's first session), in IMMPACT bands and in NRS points. Best: the "
    "lowest 3-day rolling mean (at least 2 of 3 days with entries) between day +1 and the day "
    "before the next infusion, at most day +84."
)

RESPONSE_HORIZON_DAYS = RELIEF_HORIZON_DAYS
WEEK1_MIN_DAYS = 4
_HORIZON = timedelta(days=RESPONSE_HORIZON_DAYS)
_WEEK = timedelta(days=7)


@dataclass(frozen=True)
class InfusionResponse:
    """How pain went after one infusion or course (RESPONSE_DEFINITION, RELIEF_DEFINITION).

    `infusion_day` is day 0 (the end); `baseline_day` the day whose previous 7 days give the
    baseline (the first session); `baseline_days` the days with entries in that week;
    `week1_mean` the mean pain on days +1..+7 (`week1_days` with entries), `week1_change` its
    percent change, `week1_points` its change in NRS points, `band` the response_band;
    `best_mean` the lowest 3-day rolling mean observed, `best_change`/`best_points` its changes;
    `relief` the result of relief_duration."""

    infusion_day: date
    baseline: float | None
    week1_mean: float | None
    week1_change: float | None
    band: str
    best_mean: float | None
    best_change: float | None
    relief: Relief
    baseline_day: date | None = None
    baseline_days: int = 0
    week1_days: int = 0
    week1_points: float | None = None
    best_points: float | None = None

    @property
    def band_label(self) -> str:
        return RESPONDER_LABELS[self.band]

    @property
    def week1_important(self) -> bool:
        return important_nrs_change(self.week1_points)


def infusion_response(
    daily_pain: Mapping[date, float],
    infusion_day: date,
    *,
    next_infusion_day: date | None = None,
    baseline_day: date | None = None,
    today: date | None = None,
    runs: DayRuns | None = None,
) -> InfusionResponse:
    """Baseline, week-1 response, best response and relief after day 0 = `infusion_day`.

    baseline: `baseline(baseline_day)` (default day 0: a single session). week1_mean: the mean
    of days +1..+7 with data (at least 4), stopping before `next_infusion_day` when that comes
    sooner; only days after day 0 ever count. band: `response_band`. best_mean: the lowest
    3-day rolling mean (2 of 3 days needed, only days after day 0) on days +1..+84, stopping
    before the next infusion; None when no rolling mean exists. relief: `relief_duration` with
    `next_infusion_day` and `today`. `runs`: DayRuns(daily_pain), when the caller reads many
    infusions' days from the same mapping (the same values, read as slices).
    """
    base_day = baseline_day or infusion_day
    # The baseline week and the days after day 0 are each read once: the week-1 days, the
    # observed days and their rolling means all come from the one reading of days +1..last.
    last = infusion_day + _HORIZON
    if next_infusion_day is not None:
        last = min(last, next_infusion_day - ONE_DAY)
    first = infusion_day + ONE_DAY
    if runs is None:
        base_values = _baseline_values(daily_pain, base_day)
        window = days_between(first, last)
        read = list(map(daily_pain.get, window))  # None: no data that day
    else:
        base_values = runs.present_back(base_day, _BASELINE_BACK[-1])
        window, read = runs.run(first, last)
    base = _baseline_of(base_values)
    week1_end = min(infusion_day + _WEEK, last)
    # Days +1..week1_end: the first (week1_end - day 0) days of the window (none when it is
    # empty: week1_end <= day 0).
    week1_values = [v for v in read[: max(0, (week1_end - infusion_day).days)] if v is not None]
    week1 = fmean(week1_values) if len(week1_values) >= WEEK1_MIN_DAYS else None
    # The rolling means of days +1 .. the last day with data (rolling_mean of the days with
    # data on those days: the days before +1 are not observed, as in trailing_means' run).
    means = trailing_means(read[: span_of(read)], RELIEF_WINDOW, RELIEF_MIN_POINTS)
    best = min(compress(means, map(is_not, means, repeat(None))), default=None)
    return InfusionResponse(
        infusion_day=infusion_day,
        baseline=base,
        week1_mean=week1,
        week1_change=percent_change(base, week1),
        band=response_band(base, week1),
        best_mean=best,
        best_change=percent_change(base, best),
        # The same observed days and rolling values as relief_duration's own (the same
        # horizon, window and minimum): worked out once.
        relief=relief_duration(
            daily_pain,
            infusion_day,
            base,
            next_infusion_day=next_infusion_day,
            today=today,
            observed_rolling=(window, read, means, best),
        ),
        baseline_day=base_day,
        baseline_days=len(base_values),
        week1_days=len(week1_values),
        week1_points=absolute_change(base, week1),
        best_points=absolute_change(base, best),
    )


def change_since(
    daily_pain: Mapping[date, float], end_day: date, today: date, window: int = 7
) -> tuple[float | None, int, int]:
    """The "change vs baseline" key figure's mean (CHANGE_DEFINITION): mean daily pain over the
    days after `end_day` within the last `window` days up to `today` (max(end_day + 1,
    today - 6) .. today). Returns (mean or None, days with entries used, days in the window).
    The mean needs at least half the window's days (rounded up) with entries, so 4 of 7."""
    start = max(end_day + ONE_DAY, today - timedelta(days=window - 1))
    span = days_between(start, today)
    values = [v for d in span if (v := daily_pain.get(d)) is not None]
    needed = max(1, -(-len(span) // 2))
    mean = fmean(values) if span and len(values) >= needed else None
    return mean, len(values), len(span)
