"""The review's pain charts as SVG geometry: daily pain over the period with infusions, late days
and other treatments marked; pain around each course (aligned on its last day)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from itertools import chain, repeat
from operator import itemgetter

from diary import analysis, measures
from diary.analysis import AlignedSeries, DayAggregate
from diary.charts.weekly import Weeks, week_axis, week_series, weekly_name
from diary.charts_svg.plot import (
    _AT,
    _VALUE,
    COLOURS,
    INFUSION_COLOUR,
    LEFT,
    MEAN_COLOUR,
    PAIN_RANGE,
    WIDTH,
    Chart,
    DayScale,
    LegendItem,
    Line,
    Panel,
    Rule,
    Scale,
    Table,
    Tick,
    day_label,
    number,
    y_ticks,
)
from diary.charts_svg.series import line

PAIN_HEIGHT, ALIGNED_HEIGHT = 300, 300
TOP, BOTTOM, RIGHT = 16, 44, 16
PAIN_TICKS = (0, 2, 4, 6, 8, 10)
# The aligned chart draws at most this many courses, the most recent of those it is given: one
# colour of the palette each (an eighth line would repeat the first's colour and could not be told
# from it), and a cost that stays the same however long the history (forty courses of a 5-year
# history are forty lines of ~93 points, unreadable on top of one another). The rest are counted
# in its title and footnote; the response table lists every course.
ALIGNED_COURSES = len(COLOURS)


def pain_chart(
    aggregates: Mapping[date, DayAggregate],
    start: date,
    end: date,
    infusion_days: Sequence[date],
    *,
    treatments: Sequence[tuple[date, str]] = (),
    weeks: Weeks | None = None,
    late: Mapping[date, int] | None = None,
) -> Chart:
    """Daily pain from start to end: pain now (the daily mean, line and dots), worst pain
    (dashed, small dots) and the 7-day mean (analysis.rolling_mean, 4 of 7 days needed; a thick
    line), one place per calendar day, a day without a value a gap in the line; infusion days in
    the period as a dotted vertical line with a triangle at 10; days whose entries were all
    recorded late (DayAggregate.late) an open ring over their pain; other treatments (day,
    label) triangles at 0.

    With `weeks` (a period over a year: charts.WEEKLY_NOTE) pain now and worst pain are one
    weekly mean per week, placed on its Monday, and there is no 7-day mean; the late days are
    counted per week (late_weeks): an open ring over the week's mean pain, the count in the
    table (`late`: late_weeks of start..end, where the caller has it already counted);
    infusions and other treatments stay on their days."""
    box = (LEFT, TOP, WIDTH - RIGHT, PAIN_HEIGHT - BOTTOM)
    if weeks is None:
        axis = analysis.days_between(start, end)
        daily = analysis.daily_pain(aggregates)
        now = [daily.get(d) for d in axis]
        worst = [aggregates[d][measures.PAIN_WORST.code] if d in aggregates else None for d in axis]
        rolling = analysis.rolling_mean(daily, axis, window=7)
    else:
        axis = week_axis(start, end)
        now = week_series(weeks, measures.PAIN.code, axis)
        worst = week_series(weeks, measures.PAIN_WORST.code, axis)
    named = weekly_name if weeks is not None else str
    xs = DayScale(min(axis[0], start), end, box[0], box[2])
    ys = Scale(*PAIN_RANGE, box[3], box[1])
    dense = len(axis) > 45
    ats, axis_x = list(map(date.isoformat, axis)), xs.days(axis)  # each day (week) placed once
    placed = dict(zip(axis, axis_x, strict=True))

    def x_of(d: date) -> float:
        """A day's x: looked up for a day (week) of the axis (the late rings), placed else."""
        x = placed.get(d)
        return xs.day(d) if x is None else x

    def tip(name: str):
        return lambda at, value: f"{name}, {day_label(date.fromisoformat(at))}: {number(value)}"

    def series(values):
        return list(zip(ats, values, axis_x, strict=True))

    now_name = named(measures.PAIN.short_label)
    worst_name = named(measures.PAIN_WORST.short_label)
    lines = [
        line(
            now_name,
            COLOURS[0],
            series(now),
            ys,
            tip=tip(now_name),
            size=2 if dense else 3,
        ),
        line(
            worst_name,
            COLOURS[1],
            series(worst),
            ys,
            tip=tip(worst_name),
            width=1,
            dash="4 3",
            size=1.5 if dense else 2.5,
        ),
    ]
    if weeks is None:
        lines.insert(
            0,
            line(
                "7-day mean",
                MEAN_COLOUR,
                series([rolling[d] for d in axis]),
                ys,
                width=3,
                shape=None,
            ),
        )
    in_range = [d for d in infusion_days if start <= d <= end]  # one a session (two on a day: two)
    shown = sorted(set(in_range))  # a mark each day
    shown_x = [x_of(d) for d in shown]  # the triangles' and the rules' x
    lines.append(
        line(
            "Infusion",
            INFUSION_COLOUR,
            [(d.isoformat(), 10, x) for d, x in zip(shown, shown_x, strict=True)],
            ys,
            tip=lambda at, _: f"Infusion, {day_label(date.fromisoformat(at))}",
            shape="triangle-down",
            join=False,
            size=6,
        )
    )
    late_cells: dict[str, str] = {}  # the table's "Recorded late" column, by day (week)
    if weeks is None:
        late = sorted(d for d, a in aggregates.items() if start <= d <= end and a.late)
        rings = [(d.isoformat(), aggregates[d][measures.PAIN.code], x_of(d)) for d in late]
        late_cells = dict.fromkeys((at for at, _, _ in rings), "yes")
        late_tip = lambda at, _: f"{day_label(date.fromisoformat(at))}: recorded after the next day"  # noqa: E731
    else:
        counts = late_weeks(aggregates, start, end) if late is None else late
        late_cells = {w.isoformat(): _days(n) for w, n in counts.items()}
        mean_of = dict(zip(axis, now, strict=True))
        rings = [(w.isoformat(), mean_of[w], x_of(w)) for w in counts if mean_of[w] is not None]
        late_tip = lambda at, _: (  # noqa: E731
            f"Week of {day_label(date.fromisoformat(at))}: {late_cells[at]} recorded after the "
            "next day"
        )
    lines.append(
        line(
            "Recorded late",
            COLOURS[3],
            rings,
            ys,
            tip=late_tip,
            shape="ring",
            join=False,
            size=4 if dense else 6,
        )
    )
    # one mark a day, naming every treatment of it (a nerve block and physical therapy the same
    # day are both shown: which one a change in pain is credited to is the clinician's call)
    texts: dict[str, str] = {}
    for d, text in treatments:
        if start <= d <= end:
            at = d.isoformat()
            texts[at] = f"{texts[at]}; {text}" if at in texts else text
    lines.append(
        line(
            "Other treatment",
            COLOURS[2],
            [(at, 0, x_of(date.fromisoformat(at))) for at in sorted(texts)],
            ys,
            tip=lambda at, _: f"{texts[at]}, {day_label(date.fromisoformat(at))}",
            shape="triangle-up",
            join=False,
            size=6,
        )
    )
    panel = Panel(
        box,
        x_ticks=xs.ticks(start, end),
        y_ticks=y_ticks(ys, PAIN_TICKS),
        x_title="Date" if weeks is None else "Week (starting Monday)",
        y_title="Pain (0-10)",
        rules=tuple(Rule(x, d.isoformat()) for d, x in zip(shown, shown_x, strict=True)),
        lines=tuple(lines),
    )
    drawn = [s for s in lines if s.marks]
    return Chart(
        key=measures.PAIN.code,
        title=(
            f"{'Weekly' if weeks is not None else 'Daily'} pain from {day_label(start)} to "
            f"{day_label(end)}, {len(in_range)} infusion{'' if len(in_range) == 1 else 's'} marked"
        ),
        height=PAIN_HEIGHT,
        panels=(panel,),
        table=_table(
            "Pain by day"
            if weeks is None
            else "Pain by week (weekly means; days recorded late by week; infusions and other "
            "treatments by day)",
            "Day" if weeks is None else "Week or day",
            lines if weeks is not None else [lines[1], lines[2], lines[0], *lines[3:]],
            texts,
            late_cells,
        ),
        legend=tuple(_legend(s) for s in drawn),
        empty="" if any(s.marks for s in lines[:3]) else "No pain recorded in this period.",
    )


def late_weeks(aggregates: Mapping[date, DayAggregate], start: date, end: date) -> dict[date, int]:
    """For each Monday week in start..end with a late day (DayAggregate.late: every entry of
    the day recorded after the next day), the number of such days in the week, oldest first."""
    counts: dict[int, int] = {}  # by the Monday's ordinal (date(1, 1, 1) was a Monday)
    for d, a in aggregates.items():
        if a.late_entries and start <= d <= end and a.late:
            day = d.toordinal()
            monday = day - (day - 1) % 7
            counts[monday] = counts.get(monday, 0) + 1
    return {date.fromordinal(w): n for w, n in sorted(counts.items())}


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def _legend(s: Line) -> LegendItem:
    return LegendItem(s.name, s.colour, s.shape, s.dash, line=bool(s.paths) or s.shape is None)


def _table(
    caption: str,
    first: str,
    lines: Sequence[Line],
    texts: Mapping[str, str],
    late: Mapping[str, str],
) -> Table:
    """One row per day (or week) with a value in any series, oldest first; "Recorded late" from
    `late` (by day, or the late days' count by week: a week without a mean has no ring but
    keeps its count)."""
    # each series' cells by place, then each column read at every place in order (map and
    # zip, as the sleep chart's table: no Python step per mark)
    columns: dict[str, Mapping[str, str]] = {}
    for s in lines:
        places = list(map(_AT, s.marks))
        if s.name == "Recorded late":
            columns[s.name] = late
        elif s.name == "Infusion":
            columns[s.name] = dict.fromkeys(places, "yes")
        elif s.name == "Other treatment":
            columns[s.name] = dict(zip(places, map(texts.get, places, repeat("")), strict=True))
        else:
            values = map(number, map(_VALUE, s.marks))
            columns[s.name] = dict(zip(places, values, strict=True))
    names = [s.name for s in lines if s.marks or (s.name == "Recorded late" and late)]
    ats = sorted(set().union(*columns.values()))
    return Table(
        caption,
        (first, *names),
        tuple(
            zip(
                map(day_label, map(date.fromisoformat, ats)),
                *(map(columns[n].get, ats, repeat("")) for n in names),
                strict=True,
            )
        ),
    )


def aligned_chart(
    aligned: Sequence[AlignedSeries],
    names: Sequence[str] | Mapping[date, str] | None = None,
    *,
    of: int | None = None,
) -> Chart:
    """Pain by day from each course's last day: one line per course (named by `names`, one per
    series in order or by day 0, else its day 0: analysis.series_names), x = day offset
    (-7 .. +84), a gap for a day without an entry, a vertical line at day
    0 and, where the next course starts inside the window, a triangle at 10 in the line's
    colour ("Next infusion"). Only the last ALIGNED_COURSES of `aligned` (oldest first) are
    drawn and tabled, every point with a tooltip; `of`: how many courses the period has, when
    the caller computed the series of the drawn ones only. With courses left out, the title says
    how many are drawn of how many, and a footnote (Chart.footnote) where the others are."""
    total = max(len(aligned), of or 0)
    named = analysis.series_names(aligned, names)[-ALIGNED_COURSES:]
    aligned = aligned[-ALIGNED_COURSES:]
    left_out = total - len(aligned)
    box = (LEFT, TOP, WIDTH - RIGHT, ALIGNED_HEIGHT - BOTTOM)
    # every point's offset (map() over an itemgetter: in C, not a Python step per point)
    offsets = list(map(itemgetter(0), chain.from_iterable(s.points for s in aligned)))
    lo, hi = min(offsets, default=-7) - 1, max(offsets, default=84) + 1
    xs = Scale(lo, hi, box[0], box[2])
    ys = Scale(*PAIN_RANGE, box[3], box[1])
    lines: list[Line] = []
    legend: list[LegendItem] = []
    rows = []
    for i, (s, name) in enumerate(zip(aligned, named, strict=True)):
        colour = COLOURS[i]
        drawn, row = _course_line(name, colour, s.points, s.next_infusion_offset, lo, hi)
        lines += drawn
        legend.append(LegendItem(name, colour, "circle"))
        rows.append(row)
    first_tick = -(-lo // 7) * 7
    panel = Panel(
        box,
        x_ticks=tuple(Tick(xs(o), str(o)) for o in range(first_tick, hi + 1, 7)),
        y_ticks=y_ticks(ys, PAIN_TICKS),
        x_title="Days from the course's last day",
        y_title="Pain (0-10)",
        rules=(Rule(xs(0), "0", dash=None),),
        lines=tuple(lines),
    )
    if aligned:
        legend.append(LegendItem("Next infusion", INFUSION_COLOUR, "triangle-down", line=False))
    n = len(aligned)
    if left_out:
        which = f"the last {n} of {total} courses"
        footnote = (
            f"Only the last {n} of the {total} courses in this period are drawn (one colour "
            f"each). Every course's relief is in the response table; a range with {n} courses "
            "or fewer draws them all."
        )
        caption = f"Pain by day from the last day of {which} (day: pain)"
    else:
        which = f"each of {n} course{'' if n == 1 else 's'}"
        footnote = ""
        caption = "Pain by day from each course's last day (day: pain)"
    return Chart(
        key="aligned",
        title=f"Daily pain around {which}, by day from the course's last day",
        height=ALIGNED_HEIGHT,
        panels=(panel,),
        table=Table(caption, ("Course", "Next infusion (day)", "Pain by day"), tuple(rows)),
        legend=tuple(legend),
        empty="" if aligned else "No course in this period.",
        footnote=footnote,
    )


def _aligned_xs(lo: int, hi: int) -> Scale:
    return Scale(lo, hi, LEFT, WIDTH - RIGHT)


@lru_cache(maxsize=16)
def _aligned_x(lo: int, hi: int) -> tuple[dict[int, str], dict[int, float]]:
    """Each day offset lo..hi of the aligned chart: its label and its x, worked out once for
    all the courses drawn on that axis (up to ALIGNED_COURSES share one axis of some ninety
    days). A pure function of its arguments: kept per worker, never stale; read, never changed."""
    xs = _aligned_xs(lo, hi)
    offsets = range(lo, hi + 1)
    return {o: str(o) for o in offsets}, {o: xs(o) for o in offsets}


# The aligned chart's y of a pain value, each distinct value worked out once (a pure function).
_aligned_y = lru_cache(maxsize=4096)(Scale(*PAIN_RANGE, ALIGNED_HEIGHT - BOTTOM, TOP))


@lru_cache(maxsize=512)
def _course_line(
    name: str,
    colour: str,
    points: tuple[tuple[int, float | None], ...],
    next_offset: int | None,
    lo: int,
    hi: int,
) -> tuple[tuple[Line, ...], tuple[str, str, str]]:
    """One course's line of the aligned chart (and its "Next infusion" triangle) and its table
    row, from everything they are drawn from: kept per worker (a pure function of its
    arguments), so a review after a new entry draws only the courses whose days changed (up to
    ALIGNED_COURSES of some 93 points, each with a tooltip). At most 512 courses kept (some
    13 MB, 25 kB each), the least recently drawn dropped first."""
    labels, x_of = _aligned_x(lo, hi)  # every offset of `points` is in lo..hi
    drawn = [
        line(
            name,
            colour,
            [(labels[o], p, x_of[o]) for o, p in points],
            _aligned_y,
            tip=lambda at, v: f"{name}, day {at}: {number(v)}",
            kept=False,  # kept here, with the row, under the course's points
            size=2,
        )
    ]
    if next_offset is not None:
        drawn.append(
            line(
                f"Next infusion after {name}",
                colour,
                [(str(next_offset), 10, _aligned_xs(lo, hi)(next_offset))],
                _aligned_y,
                tip=lambda at, _: f"Next infusion after {name}: day {at}",
                shape="triangle-down",
                join=False,
                size=6,
            )
        )
    row = (
        name,
        "" if next_offset is None else str(next_offset),
        ", ".join([f"{labels[o]}: {number(p)}" for o, p in points if p is not None]),
    )
    return tuple(drawn), row
