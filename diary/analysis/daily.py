"""Daily series: entries combined per day, rolling and window means, adherence, flares.

Pure: plain dates and numbers in, plain values out (no Flask, no database).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from diary.analysis.trailing import successive, trailing_means
from diary.measures import DAILY_RULES, NOTE, PAIN, Daily

ONE_DAY = timedelta(days=1)
# Thresholds are compared on this many decimals (the responder bands, relief, flares, the
# dashboard's attention), so that a mean exactly on an edge (pain 30% above a baseline of 40/6,
# 2 points above a mean of 13/3) is on it and not a float's hair below it.
EDGE_DIGITS = 6


def _default(rule: Daily | None) -> Any:
    """A measure's value when no entry of the day reported it."""
    if rule is Daily.UNION:
        return frozenset()
    if rule is Daily.MAX_PER_CODE:
        return {}
    if rule is Daily.TEXTS:
        return ()
    return None


class Reading:
    """One diary entry, as plain values: `values` maps a measure's code (diary.measures) to its
    value, sets as frozensets and severities as sorted (code, severity) pairs. `day` is the day
    it describes; `recorded_at` when it was saved (a late entry keeps both).

    Values may also be given by keyword (`Reading(day=d, pain=4)`) and read as attributes;
    a measure the entry did not report reads as None (an empty set for sets)."""

    __slots__ = ("day", "recorded_at", "timezone", "values")

    def __init__(
        self,
        day: date,
        recorded_at: datetime | None = None,
        values: Mapping[str, Any] | None = None,
        timezone: str | None = None,
        **by_code: Any,
    ) -> None:
        self.day = day
        self.recorded_at = recorded_at
        # The IANA zone the entry was made in (the phone's), else the patient's zone.
        self.timezone = timezone
        self.values = {**(values or {}), **by_code}

    @property
    def on_time(self) -> bool:
        """ON_TIME_DEFINITION; an entry without a timestamp counts as on time."""
        return recorded_on_time(self.day, self.recorded_at, self.timezone)

    def __getattr__(self, code: str) -> Any:
        if code.startswith("__") or code in Reading.__slots__:
            raise AttributeError(code)
        if code in self.values:
            return self.values[code]
        rule = DAILY_RULES.get(code)
        if rule is Daily.UNION:
            return frozenset()
        if rule is Daily.MAX_PER_CODE:
            return ()
        if rule is not None:
            return None
        raise AttributeError(code)

    def _key(self) -> tuple:
        return (self.day, self.recorded_at, self.timezone, frozenset(self.values.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reading) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Reading(day={self.day!r}, recorded_at={self.recorded_at!r}, values={self.values})"


def recorded_on_time(day: date, recorded_at: datetime | None, zone_name: str | None) -> bool:
    """True when an entry describing `day` was recorded by the end of the following day in
    the zone it was made in (`zone_name`, UTC when unknown): recorded_at's local date <= day + 1.
    An entry without a timestamp (old data) counts as on time."""
    if recorded_at is None:
        return True
    try:
        tz = ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return recorded_at.astimezone(tz).date() <= day + ONE_DAY


@dataclass(frozen=True, init=False)
class DayAggregate:
    """All entries of one day combined (see `daily_aggregates`). `values` maps each measure's
    code to the day's value; `agg[code]` and `agg.<code>` read it. `late_entries`: how many of
    the day's entries were not recorded on time (Reading.on_time)."""

    day: date
    values: Mapping[str, Any]
    entries: int = 1
    late_entries: int = 0

    def __init__(
        self, day: date, values: Mapping[str, Any], entries: int = 1, late_entries: int = 0
    ) -> None:
        # The fields written into the instance's dict: the generated frozen __init__ calls
        # object.__setattr__ once per field, which made this half the cost of loading a day
        # (the review makes 1,800 for five years). Still frozen: setting a field raises.
        fields = self.__dict__
        fields["day"] = day
        fields["values"] = values
        fields["entries"] = entries
        fields["late_entries"] = late_entries

    @property
    def late(self) -> bool:
        """Every entry of the day was recorded late: the day's values are recalled."""
        return self.entries > 0 and self.late_entries == self.entries

    def __getitem__(self, code: str) -> Any:
        # One lookup (a missing code raises KeyError), not `in` then [].
        try:
            return self.values[code]
        except KeyError:
            return _default(DAILY_RULES.get(code))

    def __getattr__(self, code: str) -> Any:
        if code.startswith("__") or code in ("day", "values", "entries", "late_entries"):
            raise AttributeError(code)
        if code in self.values or code in DAILY_RULES:
            return self[code]
        raise AttributeError(code)

    @property
    def notes(self) -> tuple[str, ...]:
        """The day's notes, in the order they were written."""
        return self[NOTE.code]


def _combine(rule: Daily, values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    if rule is Daily.MEAN:
        return fmean(present) if present else None
    if rule is Daily.MAX:
        return max(present, default=None)
    if rule is Daily.MIN:
        return min(present, default=None)
    if rule is Daily.UNION:
        return frozenset().union(*present)
    if rule is Daily.MAX_PER_CODE:
        worst: dict[str, int] = {}
        for pairs in present:
            for code, severity in pairs.items() if isinstance(pairs, Mapping) else pairs:
                worst[code] = max(severity, worst.get(code, severity))
        return worst
    if rule is Daily.TEXTS:
        return tuple(v for v in present if v.strip())
    raise ValueError(f"unknown daily rule {rule!r}")


def daily_aggregates(
    readings: Iterable[Reading], rules: Mapping[str, Daily] = DAILY_RULES
) -> dict[date, DayAggregate]:
    """Combine the entries of each day, each measure by its rule (`rules`: code -> Daily, the
    registry's plain data by default).

    Per day: pain now is the mean over the entries; worst pain the maximum and least pain the
    minimum of the entries that have them; average pain, sleep hours, sleep quality, the PEG
    items and mood the mean over the entries that have them (None when none has); symptoms,
    body sites and medications the union; side effects the maximum severity per code; notes
    (and the "somewhere else" texts) the non-empty texts in the order they were recorded;
    `entries` the number of entries, `late_entries` how many were recorded late. The result is
    ordered by day.
    """
    by_day: dict[date, list[Reading]] = {}
    for reading in readings:
        by_day.setdefault(reading.day, []).append(reading)
    result: dict[date, DayAggregate] = {}
    for day in sorted(by_day):
        entries = by_day[day]
        # Texts in the order written; entries without a timestamp keep their given order.
        ordered = sorted(entries, key=lambda r: (r.recorded_at is None, r.recorded_at or 0))
        result[day] = DayAggregate(
            day=day,
            values={
                code: _combine(rule, [r.values.get(code) for r in ordered])
                for code, rule in rules.items()
            },
            entries=len(entries),
            late_entries=sum(1 for r in entries if not r.on_time),
        )
    return result


def daily_pain(aggregates: Mapping[date, DayAggregate]) -> dict[date, float]:
    """Mean pain now per day, from `daily_aggregates`: the series the other functions take."""
    return {day: agg[PAIN.code] for day, agg in aggregates.items()}


def days_between(start: date, end: date) -> list[date]:
    """Every calendar day from `start` to `end`, both included (empty when end < start)."""
    # By ordinal (date.fromordinal, one C call a day): a quarter of start + timedelta(i)'s cost.
    return list(map(date.fromordinal, range(start.toordinal(), end.toordinal() + 1)))


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
    get = values.get
    ends = end_days if isinstance(end_days, list) else list(end_days)
    if successive(ends):
        # A run of calendar days (a chart's axis): each day read once, the means in one pass.
        read = list(map(get, days_between(ends[0] - timedelta(days=window - 1), ends[-1])))
        return dict(zip(ends, trailing_means(read, window, needed)[window - 1 :], strict=True))
    result: dict[date, float | None] = {}
    steps = [timedelta(days=i) for i in range(window)]
    for end in ends:
        present = [v for step in steps if (v := get(end - step)) is not None]
        result[end] = fmean(present) if present and len(present) >= needed else None
    return result


def adherence(days_with_entry: set[date], start: date, end: date) -> float:
    """Share of calendar days from `start` to `end` (both included) with at least one entry,
    0..1. Days outside the range do not count. Raises ValueError when end is before start."""
    if end < start:
        raise ValueError("end is before start")
    total = (end - start).days + 1
    return sum(1 for d in days_with_entry if start <= d <= end) / total


@dataclass(frozen=True)
class Adherence:
    """Days in a period: `on_time` days with at least one entry recorded on time, `late` days
    with entries all recorded late, `total` calendar days. Shares are 0..1."""

    on_time: int
    late: int
    total: int

    @property
    def on_time_share(self) -> float:
        return self.on_time / self.total if self.total else 0.0

    @property
    def late_share(self) -> float:
        return self.late / self.total if self.total else 0.0


def adherence_split(aggregates: Mapping[date, DayAggregate], start: date, end: date) -> Adherence:
    """ADHERENCE_DEFINITION: over the calendar days start..end (both included), the days with
    an on-time entry and the days whose entries were all late, counted apart. Raises
    ValueError when end is before start."""
    if end < start:
        raise ValueError("end is before start")
    days = [aggregates[d] for d in days_between(start, end) if d in aggregates]
    late = sum(1 for a in days if a.late)
    return Adherence(on_time=len(days) - late, late=late, total=(end - start).days + 1)


def flares(
    daily_pain: Mapping[date, float],
    *,
    rise: float = 2.0,
    min_pain: float = 5.0,
    window: int = 7,
    min_points: int = 4,
    baselines: Sequence[tuple[date, date, float]] = (),
) -> list[date]:
    """Flare days (FLARE_DEFINITION): a day D is a flare day when its daily pain is at least
    `min_pain` (5) and at least `rise` (2) points above the mean daily pain of the `window` (7)
    days before it (D-7 .. D-1), of which at least `min_points` (4) must have data, and, when D
    lies in one of `baselines`' (first day, last day, baseline) windows (the observation window
    after a course), also at least `rise` points above that course's pre-infusion baseline:
    pain coming back to where it was before the infusion is the end of relief, not a flare.
    Each such day is listed, in order; a flare lasting several days can give several dates.
    Compared on EDGE_DIGITS decimals: exactly 2 points above is a flare."""
    result = []
    for day in sorted(daily_pain):
        level = daily_pain[day]
        if level is None or round(level, EDGE_DIGITS) < min_pain:
            continue
        before = [day - timedelta(days=i) for i in range(1, window + 1)]
        present = [daily_pain[d] for d in before if daily_pain.get(d) is not None]
        if len(present) < min_points or round(level - fmean(present), EDGE_DIGITS) < rise:
            continue
        floors = [b for first, last, b in baselines if first <= day <= last]
        if floors and round(level - max(floors), EDGE_DIGITS) < rise:
            continue
        result.append(day)
    return result


WEEK_MEAN_MIN_DAYS = 4


MEAN_PAIN_7_DAYS_DEFINITION = (
    "7-day mean pain: the mean of daily pain (pain now, averaged over the day's entries) over the "
    "last 7 days including today, counting only days with entries; shown when at least 4 of "
    "those 7 days have entries."
)


ON_TIME_DEFINITION = (
    "On time: an entry describes a day and is on time when it was recorded by the end of the "
    "following day, in the local time of the zone the phone was in when it was made (the "
    "patient's zone for older entries); otherwise it is late (recalled, with more recall bias)."
)

ADHERENCE_DEFINITION = (
    "Days with data: the share of calendar days in the period with at least one diary entry "
    "recorded on time (by the end of the following day, local time); days whose entries were "
    "all recorded later are counted apart as late and marked in the charts."
)


FLARE_DEFINITION = (
    "Flare day: daily pain of at least 5 and at least 2 points above the mean of the 7 days "
    "before it (at least 4 of them with entries); in the 84 days after an infusion or course "
    "also at least 2 points above its pre-infusion baseline, so that pain returning to its "
    "usual level as relief wears off is not called a flare."
)


# timedelta(days=i) for the short windows (window_mean: the dashboard's 7-day mean, per
# patient), built once.
_DAYS = tuple(timedelta(days=i) for i in range(31))


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
    n = (end - start).days + 1
    steps = _DAYS[: max(n, 0)] if n <= len(_DAYS) else [timedelta(days=i) for i in range(n)]
    return present_mean([daily_pain.get(start + step) for step in steps], min_days)


def present_mean(values: Iterable[float | None], min_days: int = WEEK_MEAN_MIN_DAYS):
    """window_mean of a window's values already read, one a day in day order (None: no data
    that day): the mean of those there, None when fewer than `min_days` (or none) are."""
    present = [v for v in values if v is not None]
    if not present or len(present) < min_days:
        return None
    return fmean(present)


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def weekly_values(
    aggregates: Mapping[date, DayAggregate], codes: Sequence[str], start: date, end: date
) -> dict[date, dict[str, Any]]:
    """One value per Monday week with entries in start..end (days outside do not count), for
    each measure in `codes`: a number is the mean of its daily values when at least
    WEEK_MEAN_MIN_DAYS days of the week have one, else None; a set is the union of the week's
    days (symptoms reported on any of its days). The definition the review's charts use over
    a year (the database computes the same, services/daily_sql_grouped.weekly_means)."""
    by_week: dict[date, list[DayAggregate]] = {}
    for day in sorted(d for d in aggregates if start <= d <= end):
        by_week.setdefault(week_start(day), []).append(aggregates[day])
    result: dict[date, dict[str, Any]] = {}
    for week, days in by_week.items():
        values: dict[str, Any] = {}
        for code in codes:
            if DAILY_RULES.get(code) is Daily.UNION:
                values[code] = frozenset().union(*(a[code] for a in days))
                continue
            present = [v for a in days if (v := a[code]) is not None]
            values[code] = (
                sum(present) / len(present) if len(present) >= WEEK_MEAN_MIN_DAYS else None
            )
        result[week] = values
    return result
