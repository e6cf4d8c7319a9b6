"""Pure analysis of diary data: plain dates and numbers in, plain values out.

No Flask, no database: the service layer turns stored entries into `Reading`s and calls these
functions, so every clinical definition lives here once and is tested without an app. Each
function states its definition in its docstring; the clinical sources are in
../shared/CLINICAL.md (IMMPACT for responder bands, Harden 2010 for the CRPS Severity Score).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import fmean

from diary.codes import CSS_SYMPTOM_ITEMS, EXAM_SIGN_CODES

ONE_DAY = timedelta(days=1)

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


@dataclass(frozen=True)
class Reading:
    """One diary entry, as plain values. `day` is the day it describes; `recorded_at` when it
    was saved (a late entry keeps both)."""

    day: date
    pain: int
    pain_worst: int | None = None
    pain_least: int | None = None
    pain_average: int | None = None
    sleep_hours: float | None = None
    sleep_quality: int | None = None
    peg_enjoyment: int | None = None
    peg_activity: int | None = None
    mood: int | None = None
    symptoms: frozenset[str] = frozenset()
    body_sites: frozenset[str] = frozenset()
    side_effects: tuple[tuple[str, int], ...] = ()
    note: str | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class DayAggregate:
    """All entries of one day combined (see `daily_aggregates`)."""

    day: date
    pain: float
    pain_worst: int | None
    pain_least: int | None
    pain_average: float | None
    sleep_hours: float | None
    sleep_quality: float | None
    peg_enjoyment: float | None
    peg_activity: float | None
    mood: float | None
    symptoms: frozenset[str]
    body_sites: frozenset[str]
    side_effects: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    entries: int = 1


def _mean_of(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None


def daily_aggregates(readings: Iterable[Reading]) -> dict[date, DayAggregate]:
    """Combine the entries of each day.

    Per day: `pain` is the mean of pain now over the entries; `pain_worst` the maximum and
    `pain_least` the minimum of the entries that have them; `pain_average`, sleep hours, sleep
    quality, the PEG items and mood the mean over the entries that have them (None when none
    has); symptoms and body sites the union; side effects the maximum severity per code; notes
    the non-empty notes in the order they were recorded; `entries` the number of entries.
    The result is ordered by day.
    """
    by_day: dict[date, list[Reading]] = {}
    for reading in readings:
        by_day.setdefault(reading.day, []).append(reading)
    result: dict[date, DayAggregate] = {}
    for day in sorted(by_day):
        entries = by_day[day]
        # Notes in the order written; entries without a timestamp keep their given order.
        ordered = sorted(entries, key=lambda r: (r.recorded_at is None, r.recorded_at or 0))
        worst = [r.pain_worst for r in entries if r.pain_worst is not None]
        least = [r.pain_least for r in entries if r.pain_least is not None]
        side_effects: dict[str, int] = {}
        for r in entries:
            for code, severity in r.side_effects:
                side_effects[code] = max(severity, side_effects.get(code, severity))
        result[day] = DayAggregate(
            day=day,
            pain=fmean(r.pain for r in entries),
            pain_worst=max(worst) if worst else None,
            pain_least=min(least) if least else None,
            pain_average=_mean_of(r.pain_average for r in entries),
            sleep_hours=_mean_of(r.sleep_hours for r in entries),
            sleep_quality=_mean_of(r.sleep_quality for r in entries),
            peg_enjoyment=_mean_of(r.peg_enjoyment for r in entries),
            peg_activity=_mean_of(r.peg_activity for r in entries),
            mood=_mean_of(r.mood for r in entries),
            symptoms=frozenset().union(*(r.symptoms for r in entries)),
            body_sites=frozenset().union(*(r.body_sites for r in entries)),
            side_effects=side_effects,
            notes=tuple(r.note for r in ordered if r.note and r.note.strip()),
            entries=len(entries),
        )
    return result


def daily_pain(aggregates: Mapping[date, DayAggregate]) -> dict[date, float]:
    """Mean pain now per day, from `daily_aggregates`: the series the other functions take."""
    return {day: agg.pain for day, agg in aggregates.items()}


def days_between(start: date, end: date) -> list[date]:
    """Every calendar day from `start` to `end`, both included (empty when end < start)."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def rolling_mean(
    values: Mapping[date, float],
    end_days: Iterable[date],
    window: int = 7,
    min_points: int | None = None,
) -> dict[date, float | None]:
    """Trailing mean over calendar days, for each day in `end_days`.

    The value for day D is the mean of the values on D-window+1 .. D that exist: a missing day
    is missing, never a zero. It is None unless at least `min_points` of those days have a
    value; `min_points` defaults to a majority of the window (window // 2 + 1: 4 of 7, 2 of 3).
    """
    if window < 1:
        raise ValueError("window must be at least 1")
    needed = window // 2 + 1 if min_points is None else min_points
    result: dict[date, float | None] = {}
    for end in end_days:
        present = [
            values[d]
            for d in (end - timedelta(days=i) for i in range(window))
            if d in values and values[d] is not None
        ]
        result[end] = fmean(present) if present and len(present) >= needed else None
    return result


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


def adherence(days_with_entry: set[date], start: date, end: date) -> float:
    """Share of calendar days from `start` to `end` (both included) with at least one entry,
    0..1. Days outside the range do not count. Raises ValueError when end is before start."""
    if end < start:
        raise ValueError("end is before start")
    total = (end - start).days + 1
    return sum(1 for d in days_with_entry if start <= d <= end) / total


def flares(
    daily_pain: Mapping[date, float],
    *,
    rise: float = 2.0,
    min_pain: float = 5.0,
    window: int = 7,
    min_points: int = 4,
) -> list[date]:
    """Flare days: a day D is a flare day when its daily pain is at least `min_pain` (5) and at
    least `rise` (2) points above the mean daily pain of the `window` (7) days before it
    (D-7 .. D-1), of which at least `min_points` (4) must have data. Each such day is listed,
    in order; a flare lasting several days can give several dates."""
    result = []
    for day in sorted(daily_pain):
        pain = daily_pain[day]
        if pain is None or pain < min_pain:
            continue
        before = [day - timedelta(days=i) for i in range(1, window + 1)]
        present = [daily_pain[d] for d in before if daily_pain.get(d) is not None]
        if len(present) >= min_points and pain - fmean(present) >= rise:
            result.append(day)
    return result


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


def crps_severity_score(
    pain_reported: bool,
    symptom_codes: set[str] | frozenset[str],
    exam_signs: set[str] | frozenset[str],
) -> int:
    """CRPS Severity Score, 16-item form (Harden 2010; 2017 validation), 0-16.

    8 symptom items (codes.CSS_SYMPTOM_ITEMS): "continuing_pain" scores 1 when `pain_reported`,
    each other item 1 when any of its patient symptom codes is in `symptom_codes`. Plus 1 per
    clinician-observed sign in `exam_signs` that is one of codes.EXAM_SIGN_CODES (unknown codes
    are ignored). The caller decides whether enough data exists (CLINICAL.md: signs recorded at
    a visit and symptoms reported within the 7 days before it): a diary alone, without the
    clinician's examination, cannot give a full CSS.
    """
    symptoms = set(symptom_codes)
    score = 0
    for item, codes in CSS_SYMPTOM_ITEMS.items():
        if item == "continuing_pain":
            score += 1 if pain_reported else 0
        elif codes & symptoms:
            score += 1
    return score + len(set(exam_signs) & EXAM_SIGN_CODES)


def promis_pi_raw(answers: list[int | None]) -> int | None:
    """PROMIS Pain Interference 4a raw score: the sum of the 4 items, each scored 1 ("not at
    all") to 5 ("very much"), so 4-20. None unless all 4 items are answered (no prorating).
    Raises ValueError for an answer outside 1-5 or more than 4 answers. The raw sum is not a
    T-score; converting needs the PROMIS scoring table."""
    if len(answers) > 4:
        raise ValueError("PROMIS PI 4a has 4 items")
    for answer in answers:
        if answer is not None and not 1 <= answer <= 5:
            raise ValueError(f"PROMIS answer out of range 1-5: {answer}")
    if len(answers) < 4 or any(a is None for a in answers):
        return None
    return sum(answers)


WEEK_MEAN_MIN_DAYS = 4

MEAN_PAIN_7_DAYS_DEFINITION = (
    "7-day mean pain: the mean of daily pain (pain now, averaged over the day's entries) over the "
    "last 7 days including today, counting only days with entries; shown when at least 4 of "
    "those 7 days have entries."
)

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

ADHERENCE_DEFINITION = (
    "Days with data: the share of calendar days in the period with at least one diary entry "
    "(an entry counts for the day it describes, whenever it was recorded)."
)

FLARE_DEFINITION = (
    "Flare day: daily pain of at least 5 and at least 2 points above the mean of the 7 days "
    "before it (at least 4 of them with entries)."
)


def window_mean(
    daily_pain: Mapping[date, float],
    start: date,
    end: date,
    min_days: int = WEEK_MEAN_MIN_DAYS,
) -> float | None:
    """Mean daily pain over the calendar days `start`..`end` (both included) that have data.
    None when fewer than `min_days` of those days have data (a missing day is missing, never a
    zero). With start = today - 6, end = today this is the 7-day mean pain
    (MEAN_PAIN_7_DAYS_DEFINITION)."""
    present = [v for d in days_between(start, end) if (v := daily_pain.get(d)) is not None]
    if not present or len(present) < min_days:
        return None
    return fmean(present)


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
