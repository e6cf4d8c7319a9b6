"""The days the review has loaded (daily_sql.day_aggregates, the whole diary combined per day by
the database) grouped again in memory, without a query: the weekly means over a year
(weekly_means_of_days), the days each body site was reported (days_per_code_of_days) and each
day's set (day_sets, the review's body map). Each gives what daily_sql's database grouping gives
(weekly_means, days_per_code; tests/services/test_daily_sql.py compares them); per day only a
few dictionary reads, each distinct day text of a set parsed once (a long diary repeats a few).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from operator import itemgetter
from typing import Any

from diary import analysis, measures
from diary.analysis import DayAggregate
from diary.measures import Daily
from diary.services.daily_sql import JOINED, JOINED_AT, NUMBER_AT, DayValues, parse_joined


def weekly_means_of_days(
    aggregates: Mapping[date, DayAggregate], codes: list[str], start: date, end: date
) -> dict[date, dict[str, Any]]:
    """weekly_means from days already combined by day_aggregates (the review has loaded them
    all): the same values without a query, as analysis.weekly_values defines them (a number's
    daily values summed in day order; a set the union of the week's days, each distinct day
    text parsed once: a long diary repeats a few). Per day a few dictionary reads."""
    by_code = {m.code: m for m in measures.MEASURES}
    numbers = [c for c in codes if by_code[c].daily in (Daily.MEAN, Daily.MAX, Daily.MIN)]
    joined = [c for c in codes if by_code[c].daily in JOINED]
    lo, hi = start.toordinal(), end.toordinal()
    pick_row = _picker([NUMBER_AT[c] for c in numbers])  # from a day's row (DayValues.row)
    joined_at = [(code, JOINED_AT[code], by_code[code].daily) for code in joined]
    days = list(aggregates.items())
    if any(days[i][0] >= days[i + 1][0] for i in range(len(days) - 1)):
        days.sort()
    decoded: dict[str, dict[str | None, Any]] = {code: {} for code in joined}
    # by the Monday's ordinal (date(1, 1, 1) was a Monday): the days' numbers (a tuple each)
    # and each set measure's day values; the days come in order, so a week's days follow
    # each other
    weeks: dict[int, tuple[list[tuple], dict[str, list]]] = {}
    monday, week = 0, None
    for day, agg in days:
        ordinal = day.toordinal()
        if ordinal < lo or ordinal > hi:
            continue
        if not monday <= ordinal < monday + 7:
            monday = ordinal - (ordinal - 1) % 7
            week = weeks[monday] = ([], {c: [] for c in joined})
        values = agg.values
        if type(values) is not DayValues:  # a day combined elsewhere, without a row
            week[0].append(tuple(agg[c] for c in numbers))
            for code in joined:
                week[1][code].append(agg[code])
            continue
        row = values.row
        week[0].append(pick_row(row))
        for code, at, rule in joined_at:
            text = row[at]
            known = decoded[code]
            value = known.get(text)
            if value is None:
                value = known[text] = parse_joined(rule, text)
            week[1][code].append(value)
    result: dict[date, dict[str, Any]] = {}
    for monday, (rows, sets) in weeks.items():
        out: dict[str, Any] = {}
        for code, column in zip(numbers, zip(*rows, strict=True), strict=True):
            present = [v for v in column if v is not None]
            out[code] = (
                sum(present) / len(present) if len(present) >= analysis.WEEK_MEAN_MIN_DAYS else None
            )
        for code in joined:
            if by_code[code].daily is Daily.UNION:
                out[code] = frozenset().union(*sets[code])
            else:
                worst: dict[str, int] = {}
                for effects in sets[code]:
                    for effect, severity in effects.items():
                        worst[effect] = max(severity, worst.get(effect, severity))
                out[code] = worst
        result[date.fromordinal(monday)] = out
    return result


def day_sets(
    aggregates: Mapping[date, DayAggregate], code: str, start: date, end: date
) -> list[tuple[date, frozenset[str]]]:
    """For a set measure (Daily.UNION, e.g. body sites), each day in start..end with entries
    and its set (empty when none reported), from days already combined by day_aggregates;
    each distinct day text parsed once (a long diary repeats a few site lists)."""
    rule = measures.DAILY_RULES[code]
    if rule is not Daily.UNION:
        raise ValueError(f"{code} is not a set measure")
    at = JOINED_AT[code]
    decoded: dict[str | None, frozenset[str]] = {}
    out = []
    for day, agg in aggregates.items():
        if not start <= day <= end:
            continue
        values = agg.values
        if type(values) is DayValues:
            text = values.row[at]
            found = decoded.get(text)
            if found is None:
                found = decoded[text] = parse_joined(rule, text)
            out.append((day, found))
        else:
            out.append((day, agg[code]))
    return out


def days_per_code_of_days(
    aggregates: Mapping[date, DayAggregate], code: str, start: date, end: date
) -> dict[str, int]:
    """days_per_code from days already combined by day_aggregates (the review has loaded them
    all): each code of a set measure reported in start..end and the number of days it was
    reported on, without a query, counted from day_sets. Codes in the order first reported."""
    return days_per_code_of_sets(day_sets(aggregates, code, start, end))


def days_per_code_of_sets(sets: Iterable[tuple[date, frozenset[str]]]) -> dict[str, int]:
    """The days each code was reported on, from day_sets' (day, set) pairs."""
    counts: dict[str, int] = {}
    for _day, reported_set in sets:
        for reported in reported_set:
            counts[reported] = counts.get(reported, 0) + 1
    return counts


def _picker(codes: list[str]) -> Callable[[Mapping[str, Any]], tuple]:
    """The values of `codes` from a mapping, as a tuple (operator.itemgetter, one C call)."""
    if len(codes) == 1:
        get = itemgetter(codes[0])
        return lambda values: (get(values),)
    return itemgetter(*codes) if codes else lambda values: ()
