"""The days the review has loaded (daily_sql.day_aggregates, the whole diary combined per day by
the database) grouped again in memory, without a query: the weekly means over a year
(weekly_means_of_days), the days each body site was reported (days_per_code_of_days), the
days of each period grouped by the set they reported (day_set_counts, the review's body map)
and the late days per week (late_weeks_of_days). Each gives what daily_sql's database grouping
gives (weekly_means, days_per_code; tests/services/test_daily_sql.py compares them), or the
charts' own count (charts_svg.late_weeks; tests/services/test_loaded_days.py).

Five years are 1,800 days, grouped on every cold review, so no Python loop runs per day: the
period's days are found by bisection in the ordered days, a measure's value of every day is
read from the days' rows in one C call (map over operator getters), the weeks and quarters are
slices of those lists, and a set measure's day texts are counted (collections.Counter, in C)
and each distinct text parsed once (a long diary repeats a few).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from itertools import compress, repeat
from operator import and_, attrgetter, eq, is_not, itemgetter, mod, sub
from typing import Any

from diary import analysis, measures
from diary.analysis import DayAggregate
from diary.measures import Daily
from diary.services.daily_sql import JOINED, JOINED_AT, NUMBER_AT, parse_joined

WEEK = timedelta(days=7)
_present = partial(is_not, None)  # filter(_present, values): the values that are not None


def weekly_means_of_days(
    aggregates: Days, codes: list[str], start: date, end: date
) -> dict[date, dict[str, Any]]:
    """weekly_means from days already combined by day_aggregates (the review has loaded them
    all): the same values without a query, as analysis.weekly_values defines them (a number's
    daily values summed in day order; a set the union of the week's days). By Monday, oldest
    first; each week's numbers then its sets, in the order of `codes`."""
    by_code = {m.code: m for m in measures.MEASURES}
    numbers = [c for c in codes if by_code[c].daily in (Daily.MEAN, Daily.MAX, Daily.MIN)]
    joined = [c for c in codes if by_code[c].daily in JOINED]
    days, aggs, rows = _days_in(aggregates, start, end)
    mondays, weeks = _weeks(days)  # the week of mondays[i] is days[weeks[i]]
    # Per measure, the value of each week, then one dict per week.
    columns = [_week_means(_column(aggs, rows, code), weeks) for code in numbers]
    for code in joined:
        values = _values(_column(aggs, rows, code), code, rows, {})
        if by_code[code].daily is Daily.UNION:
            columns.append([frozenset().union(*values[week]) for week in weeks])
        else:
            columns.append([_worst(values[week]) for week in weeks])
    names = numbers + joined
    by_week = zip(*columns, strict=True) if columns else ((),) * len(mondays)
    return {
        monday: dict(zip(names, week, strict=True))
        for monday, week in zip(mondays, by_week, strict=True)
    }


def _weeks(days: list[date]) -> tuple[list[date], list[slice]]:
    """The Monday weeks of `days` (in order) that have days: their Mondays and where their
    days are in `days` (found by bisection)."""
    mondays, weeks = [], []
    first = 0
    while first < len(days):
        monday = days[first] - timedelta(days=days[first].weekday())
        after = bisect_left(days, monday + WEEK, first)
        mondays.append(monday)
        weeks.append(slice(first, after))
        first = after
    return mondays, weeks


def _week_means(column: list, weeks: list[slice]) -> list[float | None]:
    """The mean of each week's values that are not None (summed in day order), None for a week
    with fewer than analysis.WEEK_MEAN_MIN_DAYS of them."""
    least = analysis.WEEK_MEAN_MIN_DAYS
    try:
        # A column without a None (every day has a value: pain, most often) is summed by
        # week in C; sum() fails on a None, and such a column has its Nones filtered out.
        sums = list(map(sum, map(column.__getitem__, weeks)))
        counts = [week.stop - week.start for week in weeks]
    except TypeError:
        present = [list(filter(_present, column[week])) for week in weeks]
        sums, counts = list(map(sum, present)), list(map(len, present))
    return [total / n if n >= least else None for total, n in zip(sums, counts, strict=True)]


def _worst(days: list[dict[str, int]]) -> dict[str, int]:
    """The worst severity of each code over the days (Daily.MAX_PER_CODE)."""
    worst: dict[str, int] = {}
    for effects in days:
        for effect, severity in effects.items():
            worst[effect] = max(severity, worst.get(effect, severity))
    return worst


def day_set_counts(
    aggregates: Days, code: str, periods: Sequence[tuple[date, date]]
) -> list[list[tuple[frozenset[str], int]]]:
    """For a set measure (Daily.UNION, e.g. body sites), for each period (start, end inclusive)
    of `periods`: its days with entries grouped by the day's set (the union of its entries',
    empty when none reported), as (set, days) pairs in the order the sets were first reported.
    A set can be in two pairs (the same codes written in another order on another day). From
    days already combined by day_aggregates; one Counter of the days' texts per period."""
    rule = measures.DAILY_RULES[code]
    if rule is not Daily.UNION:
        raise ValueError(f"{code} is not a set measure")
    if not periods:
        return []
    days, aggs, rows = _days_in(aggregates, min(p[0] for p in periods), max(p[1] for p in periods))
    column = _column(aggs, rows, code)  # each day's text, or without rows its set
    if rows is None:
        column = list(map(frozenset, column))  # counted, so hashable (frozenset(f) is f)
    decoded: dict[Any, frozenset[str]] = {}
    counted = []
    for start, end in periods:
        found = Counter(column[bisect_left(days, start) : bisect_right(days, end)])
        texts = list(found)
        counted.append(list(zip(_values(texts, code, rows, decoded), found.values(), strict=True)))
    return counted


def late_weeks_of_days(aggregates: Days, start: date, end: date) -> dict[date, int]:
    """charts_svg.late_weeks without a Python step per day (a long diary logged the next day
    has a late day nearly every day): for each Monday week in start..end with a late day
    (DayAggregate.late: it has entries and all were recorded late), the number of such days,
    oldest first. The late days are picked and their Mondays' ordinals worked out by C calls
    (map, compress), then counted (Counter)."""
    days, aggs, _ = _days_in(aggregates, start, end, rows=False)
    late_entries = list(map(attrgetter("late_entries"), aggs))
    # late: late_entries == entries, and not 0 (late_entries is never more than entries)
    late = map(
        and_, map(eq, late_entries, map(attrgetter("entries"), aggs)), map(bool, late_entries)
    )
    ordinals = list(map(date.toordinal, compress(days, late)))
    # a day's Monday: ordinal - (ordinal - 1) % 7 (date(1, 1, 1), ordinal 1, was a Monday)
    mondays = map(sub, ordinals, map(mod, map(sub, ordinals, repeat(1)), repeat(7)))
    return {date.fromordinal(w): n for w, n in sorted(Counter(mondays).items())}


def days_per_code_of_days(aggregates: Days, code: str, start: date, end: date) -> dict[str, int]:
    """days_per_code from days already combined by day_aggregates (the review has loaded them
    all): each code of a set measure reported in start..end and the number of days it was
    reported on, without a query. Codes in the order first reported."""
    return days_per_code_of_counts(day_set_counts(aggregates, code, [(start, end)])[0])


def days_per_code_of_counts(sets: Iterable[tuple[Iterable[str], int]]) -> dict[str, int]:
    """The days each code was reported on, from day_set_counts' (set, days) pairs: in the order
    first reported, when the pairs are in the order their sets were (a code is first reported
    with the first set that has it)."""
    counts: dict[str, int] = {}
    for reported_set, days in sets:
        for reported in reported_set:
            counts[reported] = counts.get(reported, 0) + days
    return counts


@dataclass(frozen=True)
class InOrder:
    """Days put in order once, with their aggregates and rows (_rows): what each grouping
    above finds first, for days grouped several times (history.py: the kept days, grouped for
    the weekly means, the late weeks and the body sites). Every function here takes one in
    place of the days' mapping."""

    days: list[date]
    aggs: list[DayAggregate]
    rows: list[tuple] | None


def in_order(aggregates: Mapping[date, DayAggregate]) -> InOrder:
    days, aggs = _ordered(aggregates)
    return InOrder(days, aggs, _rows(aggs))


Days = Mapping[date, DayAggregate] | InOrder


def _days_in(
    aggregates: Days, start: date, end: date, rows: bool = True
) -> tuple[list[date], list[DayAggregate], list[tuple] | None]:
    """The days of start..end, their aggregates and (with `rows`) their rows (_rows), oldest
    first, found by bisection."""
    if isinstance(aggregates, InOrder):
        days, aggs, all_rows = aggregates.days, aggregates.aggs, aggregates.rows
    else:
        (days, aggs), all_rows = _ordered(aggregates), None
    first, after = bisect_left(days, start), bisect_right(days, end)
    aggs = aggs[first:after]
    if all_rows is not None:
        return days[first:after], aggs, all_rows[first:after]
    return days[first:after], aggs, _rows(aggs) if rows else None


def _ordered(aggregates: Mapping[date, DayAggregate]) -> tuple[list[date], list[DayAggregate]]:
    """The days and their aggregates, oldest first: the days are checked to be in order
    (day_aggregates gives them so) by one sorted(), in C, and sorted when they are not."""
    days = list(aggregates)
    ordered = sorted(days)
    aggs = list(aggregates.values()) if ordered == days else [aggregates[d] for d in ordered]
    return ordered, aggs


_ROW_OF = attrgetter("values.row")


def _rows(aggs: list[DayAggregate]) -> list[tuple] | None:
    """The days' rows (DayValues.row) when every day has one (day_aggregates' days), else None
    (a day combined elsewhere, a plain mapping without one: the values are then read one day
    at a time). One getter call a day, in C."""
    try:
        return list(map(_ROW_OF, aggs))
    except AttributeError:
        return None


def _column(aggs: list[DayAggregate], rows: list[tuple] | None, code: str) -> list:
    """Each day's value of `code` in its row (one itemgetter call per day, by map): a number,
    or a set measure's text as the database joined it, parsed by _values. Without rows, each
    day's value (agg[code])."""
    if rows is None:
        return [agg[code] for agg in aggs]
    at = NUMBER_AT.get(code)
    return list(map(itemgetter(JOINED_AT[code] if at is None else at), rows))


def _values(
    column: list, code: str, rows: list[tuple] | None, decoded: dict[Any, Any]
) -> list[Any]:
    """A set measure's values from _column's texts, each distinct text parsed once (kept in
    `decoded`: the values are only read); without rows, _column gave the values."""
    if rows is None:
        return column
    rule = measures.DAILY_RULES[code]
    for text in set(column) - decoded.keys():
        decoded[text] = parse_joined(rule, text)
    return list(map(decoded.__getitem__, column))
