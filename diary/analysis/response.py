"""Response to an infusion: baseline, percent change, IMMPACT responder bands, relief duration,
pain aligned on each infusion.

Pure: plain dates and numbers in, plain values out (no Flask, no database). Sources in
docs/clinical.md (IMMPACT: Dworkin 2008, Farrar 2001).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean

from diary.analysis.daily import ONE_DAY, days_between, rolling_mean, window_mean

BASELINE_DAYS = 7


BASELINE_MIN_DAYS = 4


# Responder band codes, best to worst; stable strings stored and exported as they are.
SUBSTANTIAL = "substantial"


MODERATE = "moderate"


MINIMAL = "minimal"


NO_CHANGE = "none"


WORSE = "worse"


NOT_ENOUGH_DATA = "not_enough_data"


RESPONDER_LABELS: dict[str, str] = {
    SUBSTANTIAL: "Substantial improvement (50% or more less pain)",
    MODERATE: "Moderate improvement (30-49% less pain)",
    MINIMAL: "Minimal improvement (10-29% less pain)",
    NO_CHANGE: "No important change",
    WORSE: "Worse (10% or more pain)",
    NOT_ENOUGH_DATA: "Not enough data",
}


# Relief status codes.
RELIEF_ENDED = "ended"


RELIEF_ONGOING = "ongoing"


RELIEF_CENSORED = "censored"


RELIEF_NONE = "no_relief"


RELIEF_NOT_ENOUGH_DATA = NOT_ENOUGH_DATA


RELIEF_THRESHOLD_FACTOR = 0.7


RELIEF_WINDOW = 3


RELIEF_MIN_POINTS = 2


RELIEF_END_DAYS = 2


RELIEF_MIN_DATA_DAYS = 3


RELIEF_DEFINITION = (
    "Relief duration is our own definition, based on the IMMPACT 30% threshold. Baseline: the "
    "mean daily pain over the 7 days before the infusion (at least 4 days with entries). "
    "Threshold: baseline x 0.7. From the day after the infusion we take the 3-day rolling mean "
    "of daily pain (only days after the infusion; at least 2 of the 3 days with entries). Relief "
    "starts when that mean is at or below the threshold, and ends on the first day it is above "
    "the threshold on that day and the next; the duration is the number of days from the "
    "infusion to that day. 'Still in relief' means it had not ended by the last day with entries "
    "and 'Relief lasted until the next infusion' that the next infusion came first (in both "
    "cases the days shown are a minimum). 'No relief' means the mean never reached the "
    "threshold. 'Not enough data' means no baseline or fewer than 3 days with entries after "
    "the infusion."
)


RELIEF_LABELS: dict[str, str] = {
    RELIEF_ENDED: "Relief ended",
    RELIEF_ONGOING: "Still in relief",
    RELIEF_CENSORED: "Relief lasted until the next infusion",
    RELIEF_NONE: "No relief",
    RELIEF_NOT_ENOUGH_DATA: "Not enough data",
}


def baseline(daily_pain: Mapping[date, float], infusion_day: date) -> float | None:
    """Baseline pain for an infusion: the mean daily pain over the 7 days before the infusion
    day (day-7 .. day-1; the infusion day itself is not included). None unless at least 4 of
    those 7 days have data."""
    window = [infusion_day - timedelta(days=i) for i in range(1, BASELINE_DAYS + 1)]
    present = [daily_pain[d] for d in window if daily_pain.get(d) is not None]
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
    "worse"; anything in between "none". None (no baseline) gives "not_enough_data". Edges
    belong to the better band: exactly -30% is moderate, exactly -50% substantial. Labels are
    in RESPONDER_LABELS.
    """
    if pct_change is None:
        return NOT_ENOUGH_DATA
    # Rounded so that e.g. 7.0 -> 4.9 (a float -29.999...%) lands on its 30% edge.
    pct = round(pct_change, 6)
    if pct <= -50:
        return SUBSTANTIAL
    if pct <= -30:
        return MODERATE
    if pct <= -10:
        return MINIMAL
    if pct >= 10:
        return WORSE
    return NO_CHANGE


@dataclass(frozen=True)
class Relief:
    """Result of `relief_duration`: a status code (labels in RELIEF_LABELS), the days of relief
    (exact for "ended", a minimum for "ongoing" and "censored", None otherwise) and the pain
    threshold used (baseline x 0.7; None without a baseline)."""

    status: str
    days: int | None
    threshold: float | None

    @property
    def label(self) -> str:
        return RELIEF_LABELS[self.status]


def relief_duration(
    daily_pain: Mapping[date, float],
    infusion_day: date,
    baseline: float | None,
    *,
    next_infusion_day: date | None = None,
) -> Relief:
    """How long pain stayed at least 30% below baseline after an infusion (RELIEF_DEFINITION).

    threshold = baseline x 0.7. Observation covers the days after the infusion (day+1 onward)
    and stops the day before `next_infusion_day` when given. On each observed day D the rolling
    value is the mean of daily pain on D-2 .. D, counting only observed days (the infusion day
    and earlier never count) and only when at least 2 of the 3 have data.

    Relief starts on the first day the rolling value is <= threshold. It ends on the first later
    day D whose rolling value is above the threshold on D and on D+1 (stays there for 2 days);
    days = D - infusion_day, status "ended". Otherwise:
    - "ongoing": relief started and had not ended by the last day with data; days = last day
      with data - infusion_day (a minimum);
    - "censored": the same, but observation was cut by `next_infusion_day`; days = last day
      with data before the next infusion - infusion_day (a minimum);
    - "no_relief": no rolling value was at or below the threshold;
    - "not_enough_data": baseline is None, fewer than 3 days with data were observed, or no
      rolling value could be computed.
    """
    if baseline is None:
        return Relief(RELIEF_NOT_ENOUGH_DATA, None, None)
    threshold = baseline * RELIEF_THRESHOLD_FACTOR
    first = infusion_day + ONE_DAY
    observed = {
        d: v
        for d, v in daily_pain.items()
        if v is not None and d >= first and (next_infusion_day is None or d < next_infusion_day)
    }
    if len(observed) < RELIEF_MIN_DATA_DAYS:
        return Relief(RELIEF_NOT_ENOUGH_DATA, None, threshold)
    last = max(observed)
    days = days_between(first, last)
    rolling = rolling_mean(observed, days, window=RELIEF_WINDOW, min_points=RELIEF_MIN_POINTS)
    if all(v is None for v in rolling.values()):
        return Relief(RELIEF_NOT_ENOUGH_DATA, None, threshold)

    def above(day: date) -> bool:
        value = rolling.get(day)
        return value is not None and value > threshold

    started = False
    for day in days:
        value = rolling[day]
        if value is None:
            continue
        if value <= threshold:
            started = True
        elif started and all(above(day + i * ONE_DAY) for i in range(RELIEF_END_DAYS)):
            return Relief(RELIEF_ENDED, (day - infusion_day).days, threshold)
    if not started:
        return Relief(RELIEF_NONE, None, threshold)
    status = RELIEF_CENSORED if next_infusion_day is not None else RELIEF_ONGOING
    return Relief(status, (last - infusion_day).days, threshold)


@dataclass(frozen=True)
class AlignedSeries:
    """Daily pain around one infusion. `points` has one (offset, pain) pair per day offset from
    -before to +after, pain None when that day has no data. `next_infusion_offset` is the
    offset of the next infusion when it falls inside the window, else None. `baseline` as in
    `baseline()`."""

    infusion_day: date
    points: tuple[tuple[int, float | None], ...]
    next_infusion_offset: int | None
    baseline: float | None


def aligned_on_infusions(
    daily_pain: Mapping[date, float],
    infusion_days: Iterable[date],
    before: int = 7,
    after: int = 84,
) -> list[AlignedSeries]:
    """For each infusion (in date order, duplicates once), daily pain by day offset from the
    infusion, -before .. +after (default -7 .. +84: relief after ketamine can last about 12
    weeks). The full window is kept even when the next infusion falls inside it; its offset is
    given in `next_infusion_offset` so a chart can mark it."""
    ordered = sorted(set(infusion_days))
    result = []
    for i, day in enumerate(ordered):
        points = tuple(
            (offset, daily_pain.get(day + timedelta(days=offset)))
            for offset in range(-before, after + 1)
        )
        next_offset = None
        if i + 1 < len(ordered):
            gap = (ordered[i + 1] - day).days
            next_offset = gap if gap <= after else None
        result.append(AlignedSeries(day, points, next_offset, baseline(daily_pain, day)))
    return result


CHANGE_DEFINITION = (
    "Change versus baseline: the 7-day mean pain compared with the baseline of the last "
    "infusion (mean daily pain over the 7 days before it, at least 4 days with entries), in "
    "percent; negative means less pain. Bands follow IMMPACT: 30% or more less pain is a "
    "moderate, 50% or more a substantial improvement."
)


RESPONSE_DEFINITION = (
    "Week-1 response: the mean daily pain over days +1 to +7 after the infusion (at least 4 days "
    "with entries) compared with the infusion's baseline, in IMMPACT bands. Best: the lowest "
    "3-day rolling mean (at least 2 of 3 days with entries) between day +1 and the day before "
    "the next infusion, at most day +84."
)


@dataclass(frozen=True)
class InfusionResponse:
    """How pain went after one infusion (RESPONSE_DEFINITION, RELIEF_DEFINITION).

    `week1_mean` is the mean pain on days +1..+7, `week1_change` its percent change from
    `baseline`, `band` the IMMPACT band of that change; `best_mean` the lowest 3-day rolling
    mean observed, `best_change` its percent change; `relief` the result of relief_duration."""

    infusion_day: date
    baseline: float | None
    week1_mean: float | None
    week1_change: float | None
    band: str
    best_mean: float | None
    best_change: float | None
    relief: Relief

    @property
    def band_label(self) -> str:
        return RESPONDER_LABELS[self.band]


RESPONSE_HORIZON_DAYS = 84


def infusion_response(
    daily_pain: Mapping[date, float],
    infusion_day: date,
    *,
    next_infusion_day: date | None = None,
) -> InfusionResponse:
    """Baseline, week-1 response, best response and relief duration for one infusion.

    baseline: `baseline()`. week1_mean: `window_mean` of days +1..+7 (at least 4 with data),
    stopping before `next_infusion_day` when that comes sooner. band: `responder_band` of the
    week-1 percent change ("not_enough_data" without baseline or week-1 mean). best_mean: the
    lowest 3-day rolling mean (2 of 3 days needed, only days after the infusion) on days
    +1..+84, stopping before the next infusion; None when no rolling mean exists. relief:
    `relief_duration` with `next_infusion_day`.
    """
    base = baseline(daily_pain, infusion_day)
    last = infusion_day + timedelta(days=RESPONSE_HORIZON_DAYS)
    if next_infusion_day is not None:
        last = min(last, next_infusion_day - ONE_DAY)
    first = infusion_day + ONE_DAY
    week1_end = min(infusion_day + timedelta(days=7), last)
    week1 = window_mean(daily_pain, first, week1_end) if week1_end >= first else None
    observed = {d: v for d in days_between(first, last) if (v := daily_pain.get(d)) is not None}
    ends = days_between(first, max(observed)) if observed else []
    rolling = rolling_mean(observed, ends, window=RELIEF_WINDOW, min_points=RELIEF_MIN_POINTS)
    best = min((v for v in rolling.values() if v is not None), default=None)
    week1_change = percent_change(base, week1)
    return InfusionResponse(
        infusion_day=infusion_day,
        baseline=base,
        week1_mean=week1,
        week1_change=week1_change,
        band=responder_band(week1_change),
        best_mean=best,
        best_change=percent_change(base, best),
        relief=relief_duration(daily_pain, infusion_day, base, next_infusion_day=next_infusion_day),
    )
