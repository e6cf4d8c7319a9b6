"""Trailing means over a run of successive calendar days, in one pass (analysis.daily's
rolling_mean on a chart's axis, infusion_response on the days after an infusion).

Pure: plain dates and numbers in, plain values out (no Flask, no database).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import date
from math import fsum


def successive(days: list[date]) -> bool:
    """True when `days` are successive calendar days, oldest first (at least one)."""
    if not days:
        return False
    first = days[0].toordinal()
    return list(map(date.toordinal, days)) == list(range(first, first + len(days)))


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
    same means."""
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
