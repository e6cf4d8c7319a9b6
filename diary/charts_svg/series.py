"""A series of a review chart (plot.Line) from its values: marks, the polylines joining runs of
consecutive values (a missing value is a gap), and the series kept per worker when nothing it is
drawn from changed since the last review (its markup too: Line.svg). Pure: no Flask, no
database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from diary.charts_svg.plot import TIP_LIMIT, Line, Mark


def line(
    name: str,
    colour: str,
    values: Sequence[tuple[str, float | int | None, float]],
    y_of: Callable[[float], float],
    *,
    tip: Callable[[str, float | int], str] | None = None,
    join: bool = True,
    **style,
) -> Line:
    """A series from (at, value or None, x) in order, x a Scale's output (already rounded to
    0.1): a None breaks the line (a gap); the marks are the values that are there. With
    join=False, markers alone (no lines). y_of runs once per distinct value (a 0-10 chart has
    a few dozen however many marks)."""
    if tip and sum(1 for v in values if v[1] is not None) > TIP_LIMIT:
        tip = None  # a tooltip on every one of hundreds of points: bytes, not help
    y_at: dict[float | int, float] = {}
    for _, value, _ in values:
        if value is not None and value not in y_at:
            y_at[value] = y_of(value)
    if tip is None:
        return _kept_line(
            name, colour, tuple(values), tuple(y_at.items()), join, tuple(sorted(style.items()))
        )
    return _line(name, colour, values, y_at, tip, join, style)


@lru_cache(maxsize=128)
def _kept_line(
    name: str,
    colour: str,
    values: tuple[tuple[str, float | int | None, float], ...],
    y_at: tuple[tuple[float | int, float], ...],
    join: bool,
    style: tuple[tuple[str, object], ...],
) -> Line:
    """A series without tooltips, kept per worker under everything it is drawn from (a pure
    function of its arguments; equal values, e.g. 5 and 5.0, are drawn alike): what did not
    change since the last review (the infusions, five years of check-ins, a closed course) is
    neither built nor written again (Line.svg). At most 128 kept, least recently used dropped
    first: about 400 bytes a mark, so at most some 20 MB in a worker even when all are a year
    of days."""
    return _line(name, colour, values, dict(y_at), None, join, dict(style))


def _line(
    name: str,
    colour: str,
    values: Sequence[tuple[str, float | int | None, float]],
    y_at: dict[float | int, float],
    tip: Callable[[str, float | int], str] | None,
    join: bool,
    style: dict,
) -> Line:
    new = tuple.__new__  # Mark(...) through its Python-level __new__ costs more per mark
    marks = [
        new(Mark, (x, y_at[value], at, value, tip(at, value) if tip else ""))
        for at, value, x in values
        if value is not None
    ]
    xy = tuple([f"{_text(m[0])},{_text(m[1])}" for m in marks])
    paths: list[str] = []
    if join:
        run: list[str] = []
        k = 0
        for _, value, _ in values:
            if value is None:
                if len(run) > 1:
                    paths.append(" ".join(run))
                run = []
            else:
                run.append(xy[k])
                k += 1
        if len(run) > 1:
            paths.append(" ".join(run))
    return Line(name, colour, tuple(marks), tuple(paths), xy=xy, **style)


# Each coordinate as written (f"{v}"), once per distinct float: a chart's marks share a few
# hundred places (a Scale's output, rounded to 0.1) and writing a float costs several times
# looking it up. Keyed by the value itself, so never stale; emptied past TEXTS_KEPT entries.
_TEXTS: dict[float, str] = {}
TEXTS_KEPT = 20_000


def _text(value: float) -> str:
    """f"{value}": looked up for a float other than zero (0.0 and -0.0 are equal keys but are
    written apart), written for anything else (an int is written without ".0")."""
    if type(value) is not float or not value:
        return f"{value}"
    found = _TEXTS.get(value)
    if found is None:
        if len(_TEXTS) >= TEXTS_KEPT:
            _TEXTS.clear()
        found = _TEXTS[value] = f"{value}"
    return found
