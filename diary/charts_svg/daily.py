"""Day by day, as SVG geometry: the symptoms reported (a grid of days), the body sites reported
(bars), sleep, interference and the weekly check-in (three panels sharing the date axis)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from itertools import compress, pairwise, repeat
from operator import sub

from diary import analysis, measures
from diary.analysis import DayAggregate
from diary.charts.weekly import Weeks, week_axis, week_series, weekly_name
from diary.charts_svg.plot import (
    _AT,
    _VALUE,
    COLOURS,
    LEFT,
    REPORTED_COLOURS,
    WIDTH,
    Chart,
    DayScale,
    LegendItem,
    Panel,
    Rect,
    Scale,
    Table,
    Tick,
    day_label,
    nice_ticks,
    number,
    r,
    y_ticks,
)
from diary.charts_svg.series import line
from diary.codes import BODY_SITES, PGIC_ANSWERS, SYMPTOMS, Code, label

TOP, BOTTOM = 16, 44
LABELS = 330  # room for a symptom's name left of the plot (11-unit text: row-labels)
SITE_LABELS = 160  # and for a body site's


def _ordered_codes(vocabulary: tuple[Code, ...], seen: set[str]) -> list[str]:
    """Codes in vocabulary order, then codes not in the vocabulary (old data) sorted."""
    known = [c.code for c in vocabulary]
    return known + sorted(seen - set(known))


def symptom_chart(
    aggregates: Mapping[date, DayAggregate],
    start: date,
    end: date,
    weeks: Weeks | None = None,
) -> Chart:
    """Symptoms by day: a grid with one row per symptom (codes.SYMPTOMS order, first at the
    top; codes unknown to codes.py after them), one column per day: reported (orange), an entry
    without it (pale), blank when there was no entry that day. With `weeks` (over a year) one
    column per week (its Monday): reported on any of its days, entries without it, or blank.
    Drawn as a pale column per day with an entry (Rect.at the day) and an orange cell per
    symptom reported (Rect.at "code|day", value 1)."""
    code = measures.SYMPTOMS.code
    if weeks is None:
        axis = analysis.days_between(start, end)
        reported = {d: aggregates[d][code] for d in axis if d in aggregates}
    else:
        axis = week_axis(start, end)
        reported = {w: weeks[w][code] for w in axis if w in weeks}
    codes = _ordered_codes(SYMPTOMS, set().union(*reported.values()))
    row_h = 18
    height = TOP + row_h * len(codes) + BOTTOM
    box = (LABELS, TOP, WIDTH - 16, height - BOTTOM)
    span = 7 if weeks is not None else 1
    xs = DayScale(axis[0], axis[-1] + timedelta(days=span - 1), box[0], box[2])
    cell = (box[2] - box[0]) / len(axis)
    gap = 1 if cell >= 3 else 0

    # a pale column for each day (week) with an entry, then a cell for each symptom reported:
    # an entry without the symptom shows pale, a day without an entry blank. Cells narrower than
    # 3 units are drawn without a gap, so a run of them is drawn as one rectangle (at: "first
    # day/last day"): the same picture in far fewer elements.
    def runs(days_in: list[int]) -> list[tuple[int, int]]:
        if gap:
            return [(j, j) for j in days_in]
        return _runs(days_in)

    def at(a: int, b: int) -> str:
        first = axis[a].isoformat()
        return first if a == b else f"{first}/{axis[b].isoformat()}"

    def width(a: int, b: int) -> float:
        return r(max((b - a + 1) * cell - gap, 0.3))

    with_entry = [j for j, d in enumerate(axis) if d in reported]
    rects = [
        Rect(
            r(box[0] + a * cell),
            box[1],
            width(a, b),
            row_h * len(codes),
            REPORTED_COLOURS[0],
            at(a, b),
        )
        for a, b in runs(with_entry)
    ]
    # the days (weeks) each symptom was reported on, in order: one pass over what each day
    # reported, not a look at every day for every symptom
    seen: dict[str, list[int]] = {c: [] for c in codes}
    for j in with_entry:
        for c in reported[axis[j]]:
            seen[c].append(j)
    for i, c in enumerate(codes):
        seen_on = seen[c]
        rects += [
            Rect(
                r(box[0] + a * cell),
                r(box[1] + i * row_h + 0.5),
                width(a, b),
                row_h - 1,
                REPORTED_COLOURS[1],
                f"{c}|{at(a, b)}",
                1,
            )
            for a, b in runs(seen_on)
        ]
    unit = "Week" if weeks is not None else "Day"
    named = [(c, label(SYMPTOMS, c)) for c in codes]
    # the table's cell for a day's (week's) set: the names in the rows' order, written once
    # per distinct set (a diary repeats a few sets over hundreds of days and weeks), then read
    # for every day (week) with entries by map; `reported` is in the axis' order
    said = {
        symptoms: ", ".join([n for c, n in named if c in symptoms]) or "none"
        for symptoms in set(reported.values())
    }

    return Chart(
        key=code,
        title=f"Symptoms reported by {unit.lower()} from {day_label(start)} to {day_label(end)}",
        height=height,
        panels=(
            Panel(
                box,
                x_ticks=xs.ticks(start, end),
                y_ticks=tuple(
                    Tick(r(box[1] + (i + 0.5) * row_h), label(SYMPTOMS, c))
                    for i, c in enumerate(codes)
                ),
                x_title="Date" if weeks is None else "Week (starting Monday)",
                rects=tuple(rects),
                grid=False,
                row_labels=True,
            ),
        ),
        table=Table(
            f"Symptoms reported by {unit.lower()} ({unit.lower()}s with entries)",
            (unit, "Reported"),
            tuple(
                zip(
                    map(day_label, reported),
                    map(said.__getitem__, reported.values()),
                    strict=True,
                )
            ),
        ),
        legend=(
            LegendItem("Reported", REPORTED_COLOURS[1], "rect", line=False),
            LegendItem("Entry without it", REPORTED_COLOURS[0], "rect", line=False),
        ),
        empty="" if reported else "No entries in this period.",
    )


def _runs(days: list[int]) -> list[tuple[int, int]]:
    """The runs of consecutive numbers in `days` (ascending) as (first, last): where a run
    breaks is found in C (the differences of neighbours, then those other than 1), not by a
    Python step per day."""
    if not days:
        return []
    ends = list(compress(range(1, len(days)), map((1).__ne__, map(sub, days[1:], days))))
    return [(days[a], days[b - 1]) for a, b in pairwise([0, *ends, len(days)])]


def body_site_chart(counts: Mapping[str, int]) -> Chart:
    """Days on which each body site was reported (site -> days), as horizontal bars: only sites
    reported at least once, the most frequent at the top (ties in codes.BODY_SITES order)."""
    order = {code: i for i, code in enumerate(_ordered_codes(BODY_SITES, set(counts)))}
    codes = sorted((c for c in counts if counts[c]), key=lambda c: (-counts[c], order[c]))
    row_h = 24
    height = TOP + row_h * max(len(codes), 1) + BOTTOM
    box = (SITE_LABELS, TOP, WIDTH - 24, height - BOTTOM)
    ticks = nice_ticks(max(counts.values(), default=1), 6)
    xs = Scale(0, ticks[-1], box[0], box[2])
    rects = tuple(
        Rect(
            box[0],
            r(box[1] + i * row_h + 3),
            r(xs(counts[c]) - box[0]),
            row_h - 6,
            COLOURS[0],
            c,
            counts[c],
            f"{label(BODY_SITES, c)}: {counts[c]} days",
        )
        for i, c in enumerate(codes)
    )
    return Chart(
        key=measures.BODY_SITES.code,
        title=f"Days each body site was reported, {len(codes)} site"
        f"{'' if len(codes) == 1 else 's'}",
        height=height,
        panels=(
            Panel(
                box,
                x_ticks=tuple(Tick(xs(t), number(t)) for t in ticks),
                y_ticks=tuple(
                    Tick(r(box[1] + (i + 0.5) * row_h), label(BODY_SITES, c))
                    for i, c in enumerate(codes)
                ),
                x_title="Days reported",
                rects=rects,
                grid=False,
                x_grid=True,
            ),
        ),
        table=Table(
            "Days each body site was reported",
            ("Body site", "Days"),
            tuple((label(BODY_SITES, c), str(counts[c])) for c in codes),
        ),
        empty="" if codes else "No body site reported in this period.",
    )


def _joined_cells(s) -> dict[str, str]:
    """A series' table cells by place, the values of a place with several marks joined."""
    cells: dict[str, str] = {}
    for at, value in zip(map(_AT, s.marks), map(number, map(_VALUE, s.marks)), strict=True):
        cells[at] = f"{cells[at]}; {value}" if at in cells else value
    return cells


SLEEP_PANELS = (
    # title, y range, left ticks, left title
    ("Sleep", (0, 14), (0, 2, 4, 6, 8, 10, 12, 14), "Hours / 0-10"),
    ("Pain interference (PEG)", (-0.3, 10.3), (0, 2, 4, 6, 8, 10), "0-10"),
    ("Weekly check-in", (3.5, 20.5), (4, 8, 12, 16, 20), "PROMIS"),
)


def sleep_chart(
    aggregates: Mapping[date, DayAggregate],
    start: date,
    end: date,
    checkins: Sequence[tuple[date, int | None, int | None]],
    weeks: Weeks | None = None,
) -> Chart:
    """Sleep, interference and the weekly check-in, in three panels sharing the date axis:
    1. hours slept and sleep quality (0-10, higher is better), 0-14;
    2. the PEG interference items, enjoyment of life and general activity (0-10, higher is
       worse);
    3. the weekly PROMIS Pain Interference 4a raw score (4-20, left axis, squares) and PGIC (1
       very much improved .. 7 very much worse, right axis, diamonds).
    Daily series have one place per calendar day, a gap when no entry has the value; with
    `weeks` (over a year) one weekly mean per week, on its Monday (charts.WEEKLY_NOTE)."""
    axis = analysis.days_between(start, end) if weeks is None else week_axis(start, end)
    panel_h, gap = 150, 34
    height = TOP + 3 * panel_h + 2 * gap + BOTTOM
    right = WIDTH - LEFT
    xs = DayScale(min(axis[0], start), end, LEFT, right)
    ticks = xs.ticks(start, end)
    dense = len(axis) > 45
    axis_x = xs.days(axis)  # each day (week) placed once
    ats = list(map(date.isoformat, axis))
    # a check-in on a day (week) of the axis takes its x from there, the others placed at once
    placed = dict(zip(axis, axis_x, strict=True))
    in_period = [w for w in checkins if start <= w[0] <= end]
    off_axis = [w[0] for w in in_period if w[0] not in placed]
    placed.update(zip(off_axis, xs.days(off_axis), strict=True))
    panels = []
    checkin_names: set[str] = set()
    names = []
    for k, (title, (lo, hi), tick_values, y_title) in enumerate(SLEEP_PANELS):
        top = TOP + k * (panel_h + gap)
        box = (LEFT, top, right, top + panel_h)
        ys = Scale(lo, hi, box[3], box[1])
        lines = []
        if k < 2:
            pair = (
                (measures.SLEEP_HOURS, measures.SLEEP_QUALITY)
                if k == 0
                else (measures.PEG_ENJOYMENT, measures.PEG_ACTIVITY)
            )
            colours = ((COLOURS[0], COLOURS[2]), (COLOURS[1], COLOURS[3]))[k]
            for measure, colour, dash in zip(pair, colours, (None, "4 3"), strict=True):
                values = (
                    [aggregates[d][measure.code] if d in aggregates else None for d in axis]
                    if weeks is None
                    else week_series(weeks, measure.code, axis)
                )
                name = measure.short_label if weeks is None else weekly_name(measure.short_label)
                lines.append(
                    line(
                        name,
                        colour,
                        list(zip(ats, values, axis_x, strict=True)),
                        ys,
                        tip=lambda at, v, name=name: (
                            f"{name}, {day_label(date.fromisoformat(at))}: {number(v)}"
                        ),
                        dash=dash,
                        size=1.5 if dense else 2.5,
                    )
                )
            y2 = Scale(0, 1, 0, 0)
        else:
            shown = [(w[0].isoformat(), w[1], w[2], placed[w[0]]) for w in in_period]
            y2 = Scale(0.5, 7.5, box[3], box[1])
            promis = line(
                "PROMIS PI 4a (raw, 4-20)",
                COLOURS[0],
                [(at, promis, x) for at, promis, _, x in shown],
                ys,
                tip=lambda at, v: f"PROMIS PI 4a, {day_label(date.fromisoformat(at))}: {v}",
                shape="square",
                size=4,
                join=False,
            )
            pgic = line(
                "PGIC (1-7)",
                COLOURS[4],
                [(at, pgic, x) for at, _, pgic, x in shown],
                y2,
                tip=lambda at, v: (
                    f"PGIC, {day_label(date.fromisoformat(at))}: {v} {PGIC_ANSWERS[v - 1]}"
                ),
                shape="diamond",
                size=4,
                join=False,
            )
            lines = [promis, pgic]
            checkin_names = {promis.name, pgic.name}
        names += [s.name for s in lines]
        panels.append(
            Panel(
                box,
                x_ticks=ticks if k == 2 else (),
                y_ticks=y_ticks(ys, tick_values),
                y2_ticks=y_ticks(y2, range(1, 8)) if k == 2 else (),
                x_title=("Date" if weeks is None else "Week (starting Monday)") if k == 2 else "",
                y_title=y_title,
                y2_title="PGIC" if k == 2 else "",
                title=title,
                lines=tuple(lines),
            )
        )
    all_lines = [s for p in panels for s in p.lines]
    # the table: each series' cells by place (a day's or week's ISO date), the places in order,
    # each column read at every place (all in C: map and zip, no Python step per mark)
    # (the check-ins' lines may have two marks on one day: both in the cell, "4; 20")
    columns = [
        dict(zip(map(_AT, s.marks), map(number, map(_VALUE, s.marks)), strict=True))
        if s.name not in checkin_names
        else _joined_cells(s)
        for s in all_lines
    ]
    ats = sorted(set().union(*columns))
    rows = tuple(
        zip(
            map(day_label, map(date.fromisoformat, ats)),
            *(map(column.get, ats, repeat("")) for column in columns),
            strict=True,
        )
    )
    return Chart(
        key="sleep",
        title=f"Sleep, pain interference and weekly check-ins from {day_label(start)} to "
        f"{day_label(end)}",
        height=height,
        panels=tuple(panels),
        table=Table(
            "Sleep, interference and check-ins by day"
            if weeks is None
            else "Sleep and interference by week (weekly means), check-ins by day",
            ("Day" if weeks is None else "Week or day", *names),
            rows,
        ),
        legend=tuple(
            LegendItem(s.name, s.colour, s.shape, s.dash, line=bool(s.paths)) for s in all_lines
        ),
        empty="" if ats else "No sleep, interference or check-in recorded in this period.",
    )
