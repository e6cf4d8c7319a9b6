"""Trailing means over a run of successive calendar days, in one pass (analysis.daily's
rolling_mean on a chart's axis, infusion_response on the days after an infusion), and the
runs of a day -> value mapping read as slices (DayRuns).

Pure: plain dates and numbers in, plain values out (no Flask, no database).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from itertools import repeat
from math import fsum
from operator import truediv


def successive(days: list[date]) -> bool:
    """True when `days` are successive calendar days, oldest first (at least one)."""
    if not days:
        return False
    first = days[0].toordinal()
    return list(map(date.toordinal, days)) == list(range(first, first + len(days)))


def span_of(run: list[float | None]) -> int:
    """How many days of `run` lead up to its last value (0 when it has none)."""
    span = len(run)
    while span and run[span - 1] is None:
        span -= 1
    return span


def trailing_means(run: Sequence[float | None], window: int, needed: int) -> list[float | None]:
    """rolling_mean's values over a run of successive calendar days: `run[i]` is day i's value
    (None: no data; the days before the run count as missing), and item i of the result the
    mean of the values of days i-window+1 .. i that exist, None unless at least `needed` exist.

    One pass with the window's values kept in order (a day enters once and leaves once),
    instead of `window` lookups a day: the same values, so the same mean. The mean is
    statistics.fmean's own arithmetic, fsum(values) / len(values), written out: this runs
    once for every day of the history (fsum is exactly rounded, so the order is no matter)."""
    if window == 3:
        return _trailing_3(run, needed)
    means: list[float | None] = []
    kept: deque[float] = deque()  # the values in the current window, oldest first
    kept_at: deque[int] = deque()  # their positions in `run`
    for i, value in enumerate(run):
        if value is not None:
            kept.append(value)
            kept_at.append(i)
        while kept_at and kept_at[0] <= i - window:
            kept_at.popleft()
            kept.popleft()
        n = len(kept)
        means.append(fsum(kept) / n if n and n >= needed else None)
    return means


def _trailing_3(run: Sequence[float | None], needed: int) -> list[float | None]:
    """trailing_means with a window of 3 days (the relief's rolling mean, on every course's
    days): the two days before each kept in two names, not in a deque (three appends and
    pops, a loop's test and a deque's fsum a day): the same values in the same order, so the
    same means. A run without a missing day (the most common: a diary kept daily), `needed`
    at most 2: each day from the third on the fsum of the 3-tuple of its days, in their order,
    over 3, by map and zip (no Python step a day), the first two days as the loop gives them."""
    if needed <= 2 and len(run) >= 2 and None not in run:
        full = run[2:]
        return [
            fsum(run[:1]) if needed <= 1 else None,
            fsum(run[:2]) / 2,
            *map(truediv, map(fsum, zip(run, run[1:], full, strict=False)), repeat(3, len(full))),
        ]
    means: list[float | None] = []
    a = b = None  # the values of days i-2 and i-1
    for c in run:
        if a is None:
            if b is None:
                kept: tuple[float, ...] = () if c is None else (c,)
            else:
                kept = (b,) if c is None else (b, c)
        elif b is None:
            kept = (a,) if c is None else (a, c)
        else:
            kept = (a, b) if c is None else (a, b, c)
        n = len(kept)
        means.append(fsum(kept) / n if n and n >= needed else None)
        a, b = b, c
    return means


class DayRuns:
    """A day -> value mapping's days in day order with their values, to read runs of
    successive days from (infusion_response: forty courses' windows and baseline weeks of one
    review). A run whose every calendar day is a day of the mapping is one slice of each list
    (found by bisection): no date made and hashed, no lookup, a day; the same days (equal
    dates) and the very values a lookup per day gives (a value of None included)."""

    def __init__(
        self, values: Mapping[date, float | None], known: Sequence[date] | None = None
    ) -> None:
        """`known`: days in day order that may be the mapping's own (another mapping's with
        the same days, sorted already): compared, in C, before the mapping's are sorted."""
        days = list(values)
        ordered = days if known is not None and days == known else sorted(days)
        self.days = ordered
        self.values = list(values.values()) if ordered == days else [values[d] for d in ordered]
        self._get = values.get

    def run(self, first: date, last: date) -> tuple[list[date], list[float | None]]:
        """Every calendar day first..last (none when last < first) and its value (None: no
        value), as days_between and a lookup of each day give them."""
        start, end = first.toordinal(), last.toordinal() + 1
        if end <= start:
            return [], []
        lo, hi = bisect_left(self.days, first), bisect_right(self.days, last)
        if hi - lo == end - start:  # the mapping's days there are all the calendar days
            return self.days[lo:hi], self.values[lo:hi]
        days = list(map(date.fromordinal, range(start, end)))
        return days, list(map(self._get, days))

    def present_back(self, day: date, back: timedelta) -> list[float]:
        """The values that are not None of the days day - back .. day - 1, nearest first (as
        looking up day - 1, day - 2, ... gives them)."""
        lo = bisect_left(self.days, day - back)
        hi = bisect_left(self.days, day)
        return [v for v in reversed(self.values[lo:hi]) if v is not None]
