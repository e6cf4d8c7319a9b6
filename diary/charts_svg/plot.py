"""The geometry every review chart shares: a chart is panels (a plot area with its axes), each
with lines (series of marks joined within runs of consecutive values: a missing value is a gap),
rectangles (bars, heatmap cells) and vertical rules (infusions); and a data table with the
numbers drawn. templates/clinic/_svg_chart.html draws any Chart with presentation attributes
only (the CSP allows no style attributes).

Coordinates are in the SVG's viewBox (WIDTH wide; the SVG scales with the page), rounded to 0.1.
Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, lru_cache
from operator import itemgetter
from typing import NamedTuple

from markupsafe import Markup

# Okabe-Ito colours, as the patient's trend chart and the report's plotly charts.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
INFUSION_COLOUR = "#6a3d9a"
MEAN_COLOUR = "#444444"
SEVERITY_COLOURS = ("#f2f2f2", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000")  # none .. very severe
REPORTED_COLOURS = ("#eef2f7", COLOURS[1])  # entry without it, reported

WIDTH = 720
LEFT, RIGHT = 64, 56  # room for the left and right axes' labels and titles
PAIN_RANGE = (-0.3, 10.3)  # 0-10 with room for markers drawn at 0 and 10
TIP_LIMIT = 100  # a series with more marks has no tooltips (its numbers are in the table)


def r(value: float) -> float:
    return round(value, 1)


def text(value: object) -> str:
    """`value` as HTML text or an attribute value: markupsafe.escape's output, as a str (no
    Markup object per mark: a 5-year chart escapes thousands of places and tooltips), by
    markupsafe's own escaping function (_escape_inner: one pass in C that returns the text
    itself when there is nothing to escape, a quarter of the cost of five str.replace)."""
    return _escape_inner(str(value))


def _replaced(value: str) -> str:
    """markupsafe's replacements, "&" first: where markupsafe has no _escape_inner."""
    return (
        value.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


try:
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover - an older or newer markupsafe
    _escape_inner = _replaced


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


# _value, number and day_label are cached: a 5-year review formats the same few pain values and
# the same days thousands of times (equal values, e.g. 5 and 5.0, print the same).
@lru_cache(maxsize=4096)
def _value(value: float | int | None) -> str:
    """data-value: the number drawn, to 2 decimals (5 -> "5.0", 4.666 -> "4.67")."""
    return "None" if value is None else str(round(float(value), 2))


@lru_cache(maxsize=4096)
def number(value: float | int | None) -> str:
    """A value as the table prints it: at most 2 decimals, no trailing zeros; "" for none."""
    if value is None:
        return ""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


class Mark(NamedTuple):
    """One value drawn: at (x, y) in the viewBox; `at` is what it is placed on (a day's ISO
    date, a course's name, a day offset, a dose) and `value` the number drawn there. A named
    tuple (not a dataclass): a 5-year review makes thousands."""

    x: float
    y: float
    at: str
    value: float | int | None
    tip: str = ""


_AT, _VALUE, _TIP = itemgetter(2), itemgetter(3), itemgetter(4)  # a Mark's at, value, tip


@dataclass(frozen=True)
class Line:
    """A series: `paths` are polylines' points, one per run of consecutive values; `shape` the
    marker drawn at every mark (circle, diamond, square, triangle-down, triangle-up, ring) or
    None for a line alone."""

    name: str
    colour: str
    marks: tuple[Mark, ...]
    paths: tuple[str, ...] = ()
    width: float = 2
    dash: str | None = None
    shape: str | None = "circle"
    size: float = 3
    xy: tuple[str, ...] = ()  # each mark's "x,y" as written (series.line makes them once)

    def points(self) -> list[tuple[str, float | int | None]]:
        return [(m.at, m.value) for m in self.marks]

    @cached_property
    def svg(self) -> str:
        """The series as the chart's markup (svg.series_html), written once per Line: a line
        kept between reviews (pain.py keeps each course's) is not written again."""
        from diary.charts_svg.svg import series_html  # svg.py draws the classes defined here

        return series_html(self)

    def marks_svg(self) -> Markup:
        """Every mark as SVG: a series without tooltips as ONE <path> with a subpath per mark
        (`M` the mark's centre, then its shape relative to it), data-at and data-value the
        marks' places and numbers, space-separated in order: a 5-year chart has thousands of
        marks, and one element per series instead of one per mark is what the browser saves.
        With tooltips, one element per mark (a circle or a polygon with data-at, data-value
        and its <title>). One string made here rather than by a template loop."""
        marks = self.marks
        # the marks' places space-separated: one path when no place has a space of its own
        # (then the joined text has exactly one space between each two) and no mark a tooltip.
        # map() over itemgetters and _value runs in C, not a Python step per mark.
        at = " ".join(map(_AT, marks))
        if marks and at.count(" ") == len(marks) - 1 and not any(map(_TIP, marks)):
            shape = self.shape_path()
            if len(self.xy) == len(marks):
                d = "M" + f"{shape}M".join(self.xy) + shape
            else:
                d = "".join(f"M{m.x},{m.y}{shape}" for m in marks)
            values = " ".join(map(_value, map(_VALUE, marks)))
            return Markup(  # noqa: S704 (numbers, and places through text())
                f'<path d="{d}" data-at="{text(at)}" data-value="{values}"/>'
            )
        get = _TEXTS.get  # the centres as _line wrote them (_text): looked up, not written again
        out = []
        if self.shape in ("circle", "ring"):
            radius = f'" r="{self.size}" data-at="'
            for x, y, place, value, tip in marks:
                out.append(
                    f'<circle cx="{(type(x) is float and get(x)) or _text(x)}"'
                    f' cy="{(type(y) is float and get(y)) or _text(y)}{radius}{text(place)}"'
                    f' data-value="{_value(value)}"'
                    + (f"><title>{text(tip)}</title></circle>" if tip else "/>")
                )
            return Markup("".join(out))  # noqa: S704 (numbers, and text through text())
        for m in marks:
            head = f'<polygon points="{self.marker(m)}"'
            data = f' data-at="{text(m.at)}" data-value="{_value(m.value)}"'
            tail = f"><title>{text(m.tip)}</title></polygon>" if m.tip else "/>"
            out.append(head + data + tail)
        return Markup("".join(out))  # noqa: S704 (numbers, and text through text())

    def shape_path(self) -> str:
        """The marker as path commands relative to its centre (after `M x,y`): a circle as two
        arcs, a polygon as relative lines."""
        s = self.size
        if self.shape in ("circle", "ring"):
            return f"m{-s},0a{s},{s} 0 1 0 {2 * s},0a{s},{s} 0 1 0 {-2 * s},0z"
        corners = self.corners()
        out, (px, py) = f"m{r(corners[0][0])},{r(corners[0][1])}", corners[0]
        for cx, cy in corners[1:]:
            out += f"l{r(cx - px)},{r(cy - py)}"
            px, py = cx, cy
        return out + "z"

    def corners(self) -> tuple[tuple[float, float], ...]:
        """The marker polygon's corners relative to the mark (diamond, square, triangles)."""
        s = self.size
        return {
            "diamond": ((0, -s * 1.3), (s * 1.3, 0), (0, s * 1.3), (-s * 1.3, 0)),
            "square": ((-s, -s), (s, -s), (s, s), (-s, s)),
            "triangle-down": ((-s, -s), (s, -s), (0, s)),
            "triangle-up": ((-s, s), (s, s), (0, -s)),
        }[self.shape or "square"]

    def marker(self, m: Mark) -> str:
        """The marker's polygon `points` (diamond, square, triangles)."""
        return " ".join(f"{r(m.x + dx)},{r(m.y + dy)}" for dx, dy in self.corners())


class Rect(NamedTuple):
    """A rectangle (a bar, a heatmap cell or a run of cells). A named tuple, as Mark: a 5-year
    review makes hundreds."""

    x: float
    y: float
    w: float
    h: float
    fill: str
    at: str = ""
    value: float | int | None = None
    tip: str = ""


def rects_svg(rects: Sequence[Rect]) -> Markup:
    """Rectangles (bars, heatmap cells) as SVG, data-at and data-value (when there is one), a
    <title> tooltip when there is one: one string made here rather than by a template loop (a
    5-year heatmap has thousands of cells). A grid's cells share their rows' and columns'
    places: each coordinate is written once (_text; looked up here, as series._line does, and
    _text called only for what is not there: four calls a cell cost a fifth of a grid)."""
    get = _TEXTS.get
    out = []
    for x, y, w, h, fill, at, value, tip in rects:
        head = (
            f'<rect x="{(type(x) is float and get(x)) or _text(x)}"'
            f' y="{(type(y) is float and get(y)) or _text(y)}"'
            f' width="{(type(w) is float and get(w)) or _text(w)}"'
            f' height="{(type(h) is float and get(h)) or _text(h)}"'
            f' fill="{fill}" data-at="{text(at)}"'
        )
        if value is not None:
            head += f' data-value="{value}"'
        out.append(head + (f"><title>{text(tip)}</title></rect>" if tip else "/>"))
    return Markup("".join(out))  # noqa: S704 (numbers, and text through text())


@dataclass(frozen=True)
class Rule:
    """A vertical line across the plot area (an infusion, day 0)."""

    x: float
    at: str
    colour: str = INFUSION_COLOUR
    dash: str | None = "2 3"


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Panel:
    box: tuple[float, float, float, float]  # left, top, right, bottom of the plot area
    x_ticks: tuple[Tick, ...] = ()
    y_ticks: tuple[Tick, ...] = ()
    y2_ticks: tuple[Tick, ...] = ()  # the right axis
    x_title: str = ""
    y_title: str = ""
    y2_title: str = ""
    title: str = ""
    rules: tuple[Rule, ...] = ()
    rects: tuple[Rect, ...] = ()
    lines: tuple[Line, ...] = ()
    grid: bool = True  # horizontal grid lines at the left axis' ticks
    row_labels: bool = False  # the left axis names rows (symptoms, side effects): smaller text
    x_grid: bool = False  # vertical grid lines at the x ticks (e.g. a bar chart's values)

    def line(self, name: str) -> Line:
        (found,) = [s for s in self.lines if s.name == name]
        return found

    def rects_svg(self) -> Markup:
        return rects_svg(self.rects)


@dataclass(frozen=True)
class LegendItem:
    name: str
    colour: str
    shape: str | None = None  # a marker, or "rect" for a colour swatch
    dash: str | None = None
    line: bool = True


@dataclass(frozen=True)
class Table:
    caption: str
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def data(self) -> dict:
        """The table as data for the charts document ({caption, head, rows}): the browser
        builds it when its <details> is opened (static/js/review-charts.js), so a 5-year
        chart's thousands of cells are neither markup nor elements until someone asks."""
        return {"caption": self.caption, "head": self.head, "rows": self.rows}


@dataclass(frozen=True)
class Chart:
    key: str
    title: str  # what the chart shows (its <title>, read by screen readers)
    height: float
    panels: tuple[Panel, ...]
    table: Table
    legend: tuple[LegendItem, ...] = ()
    empty: str = ""  # said instead of the drawing when there is nothing to draw
    footnote: str = ""  # said under the drawing: what it leaves out and where that is instead
    width: float = WIDTH

    def line(self, name: str) -> Line:
        return next(s for p in self.panels for s in p.lines if s.name == name)

    def html(self) -> Markup:
        """The chart as the review's charts document carries it (svg.chart_html)."""
        from diary.charts_svg.svg import chart_html  # svg.py draws the classes defined here

        return chart_html(self)


class Scale:
    """A linear map from data to the viewBox: lo..hi onto a..b."""

    def __init__(self, lo: float, hi: float, a: float, b: float) -> None:
        self.lo, self.hi, self.a, self.b = lo, hi, a, b

    def __call__(self, value: float) -> float:
        span = (self.hi - self.lo) or 1
        return r(self.a + (float(value) - self.lo) / span * (self.b - self.a))


class DayScale(Scale):
    """Days onto x: `start` .. `end` with half a day of room either side, so that the first and
    last days' points sit inside the plot area."""

    def __init__(self, start: date, end: date, a: float, b: float) -> None:
        self.start = start
        super().__init__(-0.5, (end - start).days + 0.5, a, b)

    def day(self, d: date) -> float:
        return self((d - self.start).days)

    def days(self, days: Sequence[date]) -> list[float]:
        """day() of each of `days`: the same arithmetic in one comprehension, not two calls and
        a round() call a day (a 5-year chart places hundreds of weeks and check-ins)."""
        lo, a, first = self.lo, self.a, self.start.toordinal()
        span, width = (self.hi - lo) or 1, self.b - a
        return [round(a + (float(d.toordinal() - first) - lo) / span * width, 1) for d in days]

    def ticks(self, start: date, end: date, count: int | None = None) -> tuple[Tick, ...]:
        """Evenly spaced date labels, one per 110 units of width at most (6 on a full-width
        chart), so that none overlaps the next."""
        count = count or max(3, min(6, int(abs(self.b - self.a) // 110) + 1))
        span = (end - start).days
        fmt = "%b %Y" if span > 370 else "%-d %b"
        if span == 0:
            return (Tick(self.day(start), f"{start:{fmt}}"),)
        steps = sorted({round(k * span / (count - 1)) for k in range(count)})
        days = [start + timedelta(days=s) for s in steps]
        return tuple(Tick(self.day(d), f"{d:{fmt}}") for d in days)


def y_ticks(scale: Scale, values: Sequence[float], labels: Sequence[str] | None = None):
    return tuple(Tick(scale(v), labels[i] if labels else number(v)) for i, v in enumerate(values))


def nice_ticks(hi: float, count: int = 5) -> list[float]:
    """Round steps from 0 to at least `hi` (0, 5, 10 ...): the axis of a count or a length."""
    hi = max(float(hi), 1.0)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if hi / step <= count:
            break
    top = step * -(-hi // step)
    return [step * i for i in range(int(top // step) + 1)]


@lru_cache(maxsize=8192)
def day_label(d: date) -> str:
    return f"{d:%-d %b %Y}"
