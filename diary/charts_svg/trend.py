"""Charts drawn on the server as SVG, for pages a phone must show at once: the patient's own pain
trend. No script draws them (the page loads no charting library), so they cost the phone nothing
but their few kilobytes; the page shows the same numbers as a table for screen readers.

Pure, like diary/charts: `diary.analysis` results in, a geometry out (coordinates in the
SVG's viewBox, rounded to 0.1), which templates/patient/_trend_chart.html draws with
presentation attributes only (no style attributes: the CSP allows no inline styles). Missing
days are gaps in the lines, never zeros.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from diary import analysis, measures
from diary.analysis import DayAggregate

# The same colours as the review's plotly charts (Okabe-Ito; diary/charts.py).
PAIN_COLOUR = "#0072B2"
WORST_COLOUR = "#D55E00"
MEAN_COLOUR = "#444444"
INFUSION_COLOUR = "#6a3d9a"
GRID_COLOUR = "#e6e6e6"
AXIS_TEXT_COLOUR = "#444444"

# The viewBox: a phone's width in CSS pixels, so 12-unit text reads as 12 px there; the SVG
# scales with the page (width 100%).
WIDTH, HEIGHT = 360, 220
LEFT, RIGHT, TOP, BOTTOM = 28, 8, 12, 28
Y_MIN, Y_MAX = -0.3, 10.3  # 0-10 with room for markers drawn at 0 and 10
X_TICKS = 5


@dataclass(frozen=True)
class Point:
    day: date
    value: float
    x: float
    y: float


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str
    width: float
    dash: str | None  # stroke-dasharray
    marker: float | None  # circle radius, None: a line without markers
    points: tuple[Point, ...]
    lines: tuple[str, ...]  # polyline `points` attributes: one per run of consecutive days


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Infusion:
    day: date
    x: float
    marker: str  # polygon `points`: a triangle pointing down at the top of the scale


@dataclass(frozen=True)
class TableRow:
    day: date
    pain_now: float | None
    worst: float | None
    mean_7: float | None
    infusion: bool


@dataclass(frozen=True)
class TrendChart:
    start: date
    end: date
    width: int
    height: int
    plot: tuple[float, float, float, float]  # left, top, right, bottom edges of the plot area
    series: tuple[Series, ...]
    infusions: tuple[Infusion, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    rows: tuple[TableRow, ...]  # the days with a value or an infusion, oldest first

    def series_named(self, key: str) -> Series:
        return next(s for s in self.series if s.key == key)


def _r(value: float) -> float:
    return round(value, 1)


def pain_trend(
    aggregates: Mapping[date, DayAggregate],
    start: date,
    end: date,
    infusion_days: Sequence[date],
) -> TrendChart:
    """Daily pain from `start` to `end` (the series of charts.pain_figure): pain now (the daily
    mean, line and dots), worst pain (dashed line, small dots) and the 7-day mean
    (analysis.rolling_mean over calendar days, 4 of 7 needed; a thick line), one place per
    calendar day, a day without a value a gap; infusion days in the range as a dotted vertical
    line with a triangle at the top of the 0-10 scale."""
    days = analysis.days_between(start, end)
    n = max(len(days), 1)
    dense = n > 45  # 90 days on a phone: smaller dots
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    step = (right - LEFT) / n

    def x_of(i: int) -> float:
        return _r(LEFT + step * (i + 0.5))

    def y_of(value: float) -> float:
        return _r(bottom - (value - Y_MIN) / (Y_MAX - Y_MIN) * (bottom - TOP))

    daily = analysis.daily_pain(aggregates)
    worst = {
        d: agg[measures.PAIN_WORST.code]
        for d, agg in aggregates.items()
        if agg[measures.PAIN_WORST.code] is not None
    }
    rolling = analysis.rolling_mean(daily, days, window=7)

    def series(key, label, values, colour, width, dash, marker) -> Series:
        points: list[Point] = []
        lines: list[str] = []
        run: list[str] = []
        for i, d in enumerate(days):
            value = values.get(d)
            if value is None:
                if len(run) > 1:
                    lines.append(" ".join(run))
                run = []
                continue
            point = Point(d, float(value), x_of(i), y_of(float(value)))
            points.append(point)
            run.append(f"{point.x},{point.y}")
        if len(run) > 1:
            lines.append(" ".join(run))
        return Series(key, label, colour, width, dash, marker, tuple(points), tuple(lines))

    shown = sorted({d for d in infusion_days if start <= d <= end})
    index = {d: i for i, d in enumerate(days)}
    top = y_of(10)
    infusions = tuple(
        Infusion(
            d,
            x_of(index[d]),
            f"{_r(x_of(index[d]) - 6)},{_r(top - 9)} {_r(x_of(index[d]) + 6)},{_r(top - 9)} "
            f"{x_of(index[d])},{_r(top + 1)}",
        )
        for d in shown
    )
    last = len(days) - 1
    tick_days = sorted({round(k * last / (X_TICKS - 1)) for k in range(X_TICKS)}) if last else [0]
    return TrendChart(
        start=start,
        end=end,
        width=WIDTH,
        height=HEIGHT,
        plot=(LEFT, TOP, right, bottom),
        series=(
            series("mean_7", "7-day mean", rolling, MEAN_COLOUR, 3, None, None),
            series(
                "worst",
                measures.PAIN_WORST.short_label,
                worst,
                WORST_COLOUR,
                1,
                "4 3",
                1.5 if dense else 2,
            ),
            series(
                "now", measures.PAIN.short_label, daily, PAIN_COLOUR, 2, None, 2 if dense else 3
            ),
        ),
        infusions=infusions,
        x_ticks=tuple(Tick(x_of(i), f"{days[i].day} {days[i]:%b}") for i in tick_days),
        y_ticks=tuple(Tick(y_of(v), str(v)) for v in range(0, 11, 2)),
        rows=tuple(
            TableRow(
                d,
                round(float(daily[d]), 1) if d in daily else None,
                round(float(worst[d]), 1) if d in worst else None,
                round(float(rolling[d]), 1) if rolling.get(d) is not None else None,
                d in shown,
            )
            for d in days
            if d in daily or d in worst or d in shown
        ),
    )
