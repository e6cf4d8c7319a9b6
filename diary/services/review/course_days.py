"""The loaded days a course's windows read (responses.py): the week before its first session,
its days to 7 days after it ended. A window's days are one slice of the ordered days (found by
bisection), not a lookup per calendar day, and a day's values are read from its row where
daily_sql gave one (DayValues.row: the three PEG items in one C call, a medications or side
effects text parsed once per distinct text), not through DayAggregate[code] and
DayValues[code], two Python calls per value: forty courses read some 1,500 day values."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from datetime import date
from operator import itemgetter
from typing import Any

from diary import analysis, measures
from diary.analysis import DayAggregate
from diary.services.daily_sql import JOINED_AT, NUMBER_AT, DayValues, parse_joined

PEG_CODES = (measures.PAIN_AVERAGE.code, measures.PEG_ENJOYMENT.code, measures.PEG_ACTIVITY.code)
_PEG_ITEMS = itemgetter(*(NUMBER_AT[code] for code in PEG_CODES))


class CourseDays:
    """The days with entries of a window, and their values, for the course windows of one
    computed review."""

    def __init__(self, aggregates: Mapping[date, DayAggregate]) -> None:
        days = list(aggregates)
        ordered = sorted(days)  # day_aggregates gives them in order: one pass, in C
        self.days = ordered  # the days with entries, in day order
        self._aggs = (
            list(aggregates.values()) if ordered == days else [aggregates[d] for d in ordered]
        )
        self._decoded: dict[tuple[str, Any], Any] = {}

    def window(self, start: date, end: date) -> list[DayAggregate]:
        """The days of start..end with entries, oldest first."""
        return self._aggs[bisect_left(self.days, start) : bisect_right(self.days, end)]

    def peg_mean(self, days: list[DayAggregate], min_days: int) -> float | None:
        """analysis.window_mean of the days' PEG scores (analysis.peg_score: none without all
        three items), at least `min_days` of them."""
        scores = []
        for a in days:
            values = a.values
            items = (
                _PEG_ITEMS(values.row)
                if type(values) is DayValues
                else tuple(a[code] for code in PEG_CODES)
            )
            scores.append(analysis.peg_score(*items))
        return analysis.present_mean(scores, min_days)

    def column(self, days: list[DayAggregate], code: str) -> list[Any]:
        """A number's, set's or severities measure's value on each of the days (a[code])."""
        at = NUMBER_AT.get(code)
        if at is not None:
            return [a.values.row[at] if type(a.values) is DayValues else a[code] for a in days]
        at = JOINED_AT[code]
        decoded = self._decoded
        out = []
        for a in days:
            values = a.values
            if type(values) is not DayValues:
                out.append(a[code])
                continue
            key = (code, values.row[at])
            value = decoded.get(key)
            if value is None:
                value = decoded[key] = parse_joined(measures.DAILY_RULES[code], key[1])
            out.append(value)
        return out
