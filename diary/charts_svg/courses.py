"""Across courses, as SVG geometry: relief and best change against dose; the safety lines (worst
severity after each course); the side effects after each course as a grid of severities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache

from diary import analysis, measures
from diary.analysis import DayAggregate
from diary.charts_svg.plot import (
    COLOURS,
    LEFT,
    SEVERITY_COLOURS,
    WIDTH,
    Chart,
    LegendItem,
    Panel,
    Rect,
    Scale,
    Table,
    Tick,
    nice_ticks,
    number,
    r,
    y_ticks,
)
from diary.charts_svg.series import line
from diary.codes import SEVERITIES, SIDE_EFFECTS, label

TOP, BOTTOM = 16, 48
LABELS = 330  # room for a side effect's name left of the grid (11-unit text: row-labels)
MAX_LABELS = 20  # at most this many course labels along an axis


def short(name: str) -> str:
    """A course's name on an axis: "Course 3 (2026-03-01)" -> "3"."""
    return name.removeprefix("Course ").split(" (")[0]


def _course_ticks(names: Sequence[str], x_of) -> tuple[Tick, ...]:
    every = -(-len(names) // MAX_LABELS) or 1
    return tuple(Tick(x_of(i), short(n)) for i, n in enumerate(names) if i % every == 0)


def dose_response_chart(
    points: Sequence[tuple[str, float | None, float | None, float | None]],
) -> Chart:
    """Relief and best change against dose, one point per course: (name, mean rate in mg/kg/h,
    relief length in days, best change in percent). x = rate from 0; relief days on the left
    axis from 0 (circles), best change on the right axis, -105 .. 50 % or up to the largest
    worsening (diamonds, negative = less pain; rounded to 0.1, or to more decimals where that
    would cross a band's edge: analysis.band_safe_round). Courses without a rate are left out
    (they cannot be placed on the dose axis)."""
    height = 300
    box = (LEFT, TOP, WIDTH - LEFT, height - BOTTOM)
    placed = [p for p in points if p[1] is not None]
    relief = [p for p in placed if p[2] is not None]
    best = [p for p in placed if p[3] is not None]
    rates = [float(p[1]) for p in placed]
    top_rate = max(rates, default=1.0) * 1.1 or 1.0
    xs = Scale(0, top_rate, box[0], box[2])
    relief_ticks = nice_ticks(max((p[2] for p in relief), default=1))
    left = Scale(0, relief_ticks[-1], box[3], box[1])
    # up to +50%, or to the largest worsening (a course that left pain much worse is drawn)
    worst = max((p[3] for p in best), default=0.0)
    top = max(50, -(-int(worst) // 25) * 25)
    step = 25 if top <= 100 else 50 if top <= 250 else 100
    right = Scale(-105, top + 10, box[3], box[1])  # room for a diamond at the top, as at -100
    names = {p[0] for p in placed}
    lines = (
        line(
            "Relief (days)",
            COLOURS[0],
            [(p[0], p[2], xs(p[1])) for p in relief],
            left,
            tip=lambda at, v: f"{at}: relief {number(v)} days",
            shape="circle",
            size=5,
            join=False,
        ),
        line(
            "Best change (%)",
            COLOURS[1],
            [(p[0], _round(p[3]), xs(p[1])) for p in best],
            right,
            tip=lambda at, v: f"{at}: best change {number(v)}%",
            shape="diamond",
            size=5,
            join=False,
        ),
    )
    x_ticks = _rate_ticks(top_rate)
    panel = Panel(
        box,
        x_ticks=tuple(Tick(xs(t), number(t)) for t in x_ticks if t <= top_rate),
        y_ticks=y_ticks(left, relief_ticks),
        y2_ticks=y_ticks(right, range(-100, top + 1, step)),
        x_title="Ketamine rate (mg/kg/h, course mean)",
        y_title="Relief (days)",
        y2_title="Best change (%)",
        lines=lines,
    )
    rate = {p[0]: p[1] for p in placed}
    return Chart(
        key="dose_response",
        title=f"Relief length and best change against the ketamine rate, {len(names)} course"
        f"{'' if len(names) == 1 else 's'} with a rate",
        height=height,
        panels=(panel,),
        table=Table(
            "Relief and best change by course",
            ("Course", "Rate (mg/kg/h)", "Relief (days)", "Best change (%)"),
            tuple((p[0], number(rate[p[0]]), number(p[2]), number(_round(p[3]))) for p in placed),
        ),
        legend=(
            LegendItem("Relief (days)", COLOURS[0], "circle", line=False),
            LegendItem("Best change (%)", COLOURS[1], "diamond", line=False),
        ),
        empty="" if placed else "No course with a recorded rate.",
    )


def _round(value: float | None) -> float | None:
    """A best change as drawn and tabled: 0.1, or finer where 0.1 would cross a band's edge."""
    return None if value is None else analysis.band_safe_round(value, 1)[0]


def _rate_ticks(top: float) -> list[float]:
    for step in (0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100):
        if top / step <= 7:
            break
    return [round(step * i, 2) for i in range(int(top / step) + 1)]


def safety_chart(
    courses: Sequence[tuple[str, Mapping[str, int | None]]], codes: Sequence[str]
) -> Chart:
    """Side effects after each course as lines over the courses: one line per code in `codes`
    (e.g. dissociation, nausea, urinary symptoms), y = the worst severity 0-4 after that course
    (codes.SEVERITIES), a gap when there were no entries after it."""
    height = 280
    box = (110, TOP, WIDTH - 16, height - BOTTOM)
    names = [name for name, _ in courses]
    xs = Scale(-0.5, len(names) - 0.5, box[0], box[2])
    ys = Scale(-0.2, 4.2, box[3], box[1])
    lines = tuple(
        line(
            label(SIDE_EFFECTS, code),
            COLOURS[i % len(COLOURS)],
            [(name, values.get(code), xs(j)) for j, (name, values) in enumerate(courses)],
            ys,
            tip=lambda at, v, code=code: f"{label(SIDE_EFFECTS, code)}, {at}: {SEVERITIES[v]}",
            size=3,
        )
        for i, code in enumerate(codes)
    )
    panel = Panel(
        box,
        x_ticks=_course_ticks(names, xs),
        y_ticks=y_ticks(ys, range(len(SEVERITIES)), SEVERITIES),
        x_title="Course",
        lines=lines,
    )
    return Chart(
        key="safety",
        title="Worst severity of "
        + ", ".join(label(SIDE_EFFECTS, c).lower() for c in codes)
        + " after each course",
        height=height,
        panels=(panel,),
        table=Table(
            "Worst severity after each course",
            ("Course", *(s.name for s in lines)),
            tuple((name, *(_severity(values.get(c)) for c in codes)) for name, values in courses),
        ),
        legend=tuple(LegendItem(s.name, s.colour, "circle") for s in lines),
        empty="" if courses else "No course yet.",
    )


@lru_cache(maxsize=16)
def _severity(value: int | None) -> str:
    """A table cell: "no entries", or the severity's number and name (a few distinct, written
    for every course and side effect)."""
    return "no entries" if value is None else f"{value} {SEVERITIES[value].lower()}"


def side_effect_chart(
    aggregates: Mapping[date, DayAggregate], windows: Sequence[tuple[str, date, date]]
) -> Chart:
    """Side effects after each course: a grid with one column per window (name, first day, last
    day: e.g. a course's first session to 7 days after it ended, stopping before the next), one
    row per side effect (codes.SIDE_EFFECTS order; unknown codes after), coloured by the highest
    severity (0-4, codes.SEVERITIES) reported on the window's days; 0 (none) when there were
    entries in the window without that effect, blank when there were no entries at all."""
    code = measures.SIDE_EFFECTS.code
    return side_effect_grid(
        [
            (
                name,
                analysis.highest_severities(
                    [
                        aggregates[d][code]
                        for d in analysis.days_between(first, last)
                        if d in aggregates
                    ]
                ),
            )
            for name, first, last in windows
        ]
    )


def side_effect_grid(columns: Sequence[tuple[str, Mapping[str, int] | None]]) -> Chart:
    """side_effect_chart from each window's name and highest severities
    (analysis.highest_severities: None without entries), as the review has them from its
    courses (CourseRow.effects_highest) rather than reading the windows' days again."""
    worst = [highest for _, highest in columns]
    seen = {code for w in worst if w for code in w}
    known = [c.code for c in SIDE_EFFECTS]
    codes = known + sorted(seen - set(known))
    z = [[None if w is None else w.get(code, 0) for w in worst] for code in codes]
    labels = {code: label(SIDE_EFFECTS, code) for code in codes}
    row_h = 20
    height = TOP + row_h * len(codes) + BOTTOM
    box = (LABELS, TOP, WIDTH - 16, height - BOTTOM)
    n = max(len(columns), 1)
    w = (box[2] - box[0]) / n
    names = [name for name, _ in columns]
    # each column's x and each row's y placed once, not once per cell (round() is costly)
    column_x = [r(box[0] + j * w + 0.5) for j in range(len(columns))]
    cell_w = r(max(w - 1, 0.5))
    tips = len(columns) <= MAX_LABELS  # dozens of courses: the numbers are in the table
    new = tuple.__new__  # Rect(...) through its Python-level __new__ costs more per cell
    rects = []
    for i, code in enumerate(codes):
        row_y = r(box[1] + i * row_h + 0.5)
        rects += [
            new(
                Rect,
                (
                    column_x[j],
                    row_y,
                    cell_w,
                    row_h - 1,
                    SEVERITY_COLOURS[value],
                    f"{code}|{names[j]}",
                    value,
                    f"{labels[code]}, {names[j]}: {SEVERITIES[value]}" if tips else "",
                ),
            )
            for j, value in enumerate(z[i])
            if value is not None
        ]
    panel = Panel(
        box,
        x_ticks=_course_ticks(names, lambda j: r(box[0] + (j + 0.5) * w)),
        y_ticks=tuple(
            Tick(r(box[1] + (i + 0.5) * row_h), label(SIDE_EFFECTS, c)) for i, c in enumerate(codes)
        ),
        x_title="Course",
        rects=tuple(rects),
        grid=False,
        row_labels=True,
    )
    return Chart(
        key=measures.SIDE_EFFECTS.code,
        title=f"Highest severity of each side effect after each of {len(columns)} course"
        f"{'' if len(columns) == 1 else 's'}",
        height=height,
        panels=(panel,),
        table=Table(
            "Highest severity after each course",
            ("Side effect", *names),
            tuple((label(SIDE_EFFECTS, c), *map(_severity, z[i])) for i, c in enumerate(codes)),
        ),
        legend=tuple(
            LegendItem(s, SEVERITY_COLOURS[i], "rect", line=False) for i, s in enumerate(SEVERITIES)
        ),
        empty="" if columns else "No course in this period.",
    )
