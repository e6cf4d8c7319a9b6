"""A series of a review chart (plot.Line) from its values: marks, the polylines joining runs of
consecutive values (a missing value is a gap), and the series kept per worker when nothing it is
drawn from changed since the last review (its markup too: Line.svg). Pure: no Flask, no
database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import pairwise
from operator import itemgetter

from diary.charts_svg.plot import _TEXTS, TIP_LIMIT, Line, Mark, _text


def line(
    name: str,
    colour: str,
    values: Sequence[tuple[str, float | int | None, float]],
    y_of: Callable[[float], float],
    *,
    tip: Callable[[str, float | int], str] | None = None,
    join: bool = True,
    kept: bool = True,
    **style,
) -> Line:
    """A series from (at, value or None, x) in order, x a Scale's output (already rounded to
    0.1): a None breaks the line (a gap); the marks are the values that are there. With
    join=False, markers alone (no lines). y_of runs once per distinct value (a 0-10 chart has
    a few dozen however many marks). A series without tooltips is kept (_kept_line) unless
    kept=False: its caller keeps it under what it is drawn from (pain._course_line), and a
    second key of every point would cost hashing them and a slot of the 128."""
    if tip and len(values) - list(map(_value_of, values)).count(None) > TIP_LIMIT:
        tip = None  # a tooltip on every one of hundreds of points: bytes, not help
    # each distinct value (dict.fromkeys keeps the first of equal values, e.g. 5 before 5.0)
    y_at = {
        value: y_of(value) for value in dict.fromkeys(map(_value_of, values)) if value is not None
    }
    if tip is None and kept:
        return _kept_line(
            name, colour, tuple(values), tuple(y_at.items()), join, tuple(sorted(style.items()))
        )
    return _line(name, colour, values, y_at, tip, join, style)


_value_of = itemgetter(1)  # a (at, value, x)'s value: map() over it runs in C, not per point


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
    """The series in one pass over its values: each mark, its "x,y" as written (for the
    polylines and the markers' path alike) and where the runs of consecutive values break."""
    new = tuple.__new__  # Mark(...) through its Python-level __new__ costs more per mark
    y_text = {value: _text(y) for value, y in y_at.items()}  # each distinct y written once
    texts = _TEXTS
    marks: list[Mark] = []
    xy: list[str] = []
    breaks = [0]  # where a run starts: after each gap (a gap may repeat a place: harmless)
    for at, value, x in values:
        if value is None:
            breaks.append(len(xy))
            continue
        marks.append(new(Mark, (x, y_at[value], at, value, tip(at, value) if tip else "")))
        # _text(x) inlined: the written float looked up here, _text only for what is not
        # there (a float written for the first time, a zero, an int: see _text)
        xy.append(f"{(type(x) is float and texts.get(x)) or _text(x)},{y_text[value]}")
    breaks.append(len(xy))
    paths = [" ".join(xy[a:b]) for a, b in pairwise(breaks) if b - a > 1] if join else []
    return Line(name, colour, tuple(marks), tuple(paths), xy=tuple(xy), **style)
