"""Pain: daily pain with infusions, late days and other treatments; pain aligned on each course."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from diary import analysis, measures
from diary.analysis import AlignedSeries, DayAggregate
from diary.charts.common import (
    COLOURS,
    INFUSION_COLOUR,
    PAIN_RANGE,
    Figure,
    _daily_series,
    _days,
    _figure,
    _infusion_lines,
)
from diary.charts.weekly import Weeks, week_axis, week_series, weekly_name


def pain_figure(
    aggregates: Mapping[date, DayAggregate],
    start: date,
    end: date,
    infusion_days: list[date],
    *,
    mark_late: bool = False,
    treatments: Sequence[tuple[date, str]] = (),
    weeks: Weeks | None = None,
) -> Figure:
    """Daily pain from start to end: pain now (daily mean), worst pain and the 7-day rolling
    mean (analysis.rolling_mean, 4 of 7 days needed), one point per calendar day with None for
    days without an entry, infusion days as dotted vertical lines plus an "Infusion" marker
    trace at the top of the 0-10 axis. With `mark_late`, days whose entries were all recorded
    late (DayAggregate.late) get an open "Recorded late" ring over their pain point. Other
    treatments (day, label) are "Other treatment" markers at the bottom of the axis.

    With `weeks` (a range over a year: weekly.WEEKLY_NOTE) pain now and worst pain are one
    weekly mean per week and there is no 7-day mean; the markers stay on their days."""
    if weeks is None:
        days = _days(start, end)
        daily = analysis.daily_pain(aggregates)
        pain_now = [daily.get(d) for d in days]
        worst = _daily_series(aggregates, measures.PAIN_WORST, days)
        rolling = analysis.rolling_mean(daily, days, window=7)
    else:
        days = week_axis(start, end)
        pain_now = week_series(weeks, measures.PAIN.code, days)
        worst = week_series(weeks, measures.PAIN_WORST.code, days)
    named = weekly_name if weeks is not None else str
    shown_infusions = sorted({d for d in infusion_days if start <= d <= end})

    fig = _figure(
        yaxis={"range": PAIN_RANGE, "title": {"text": "Pain (0-10)"}, "dtick": 2},
        xaxis={"type": "date"},
        shapes=_infusion_lines(shown_infusions),
    )
    fig.add_scatter(
        name=named(measures.PAIN.short_label),
        x=days,
        y=pain_now,
        mode="lines+markers",
        connectgaps=False,
        line={"color": COLOURS[0], "width": 2},
    )
    fig.add_scatter(
        name=named(measures.PAIN_WORST.short_label),
        x=days,
        y=worst,
        mode="lines+markers",
        connectgaps=False,
        line={"color": COLOURS[1], "width": 1, "dash": "dash"},
        marker={"size": 5},
    )
    if weeks is None:
        fig.add_scatter(
            name="7-day mean",
            x=days,
            y=[rolling[d] for d in days],
            mode="lines",
            connectgaps=False,
            line={"color": "#444", "width": 3},
        )
    fig.add_scatter(
        name="Infusion",
        x=shown_infusions,
        y=[10] * len(shown_infusions),
        mode="markers",
        marker={"symbol": "triangle-down", "size": 12, "color": INFUSION_COLOUR},
        hovertemplate="Infusion %{x|%d %b %Y}<extra></extra>",
    )
    if mark_late:
        late = sorted(d for d, a in aggregates.items() if start <= d <= end and a.late)
        fig.add_scatter(
            name="Recorded late",
            x=late,
            y=[aggregates[d][measures.PAIN.code] for d in late],
            mode="markers",
            marker={"symbol": "circle-open", "size": 13, "color": COLOURS[3], "line": {"width": 2}},
            hovertemplate="%{x|%d %b %Y}: recorded after the next day<extra></extra>",
        )
    shown_treatments = [(d, text) for d, text in treatments if start <= d <= end]
    if treatments:
        fig.add_scatter(
            name="Other treatment",
            x=[d for d, _ in shown_treatments],
            y=[0] * len(shown_treatments),
            text=[text for _, text in shown_treatments],
            mode="markers",
            marker={"symbol": "triangle-up", "size": 12, "color": COLOURS[2]},
            hovertemplate="%{text}, %{x|%d %b %Y}<extra></extra>",
        )
    return fig


def aligned_figure(
    aligned: list[AlignedSeries], names: Sequence[str] | Mapping[date, str] | None = None
) -> Figure:
    """Pain by day from each infusion: one line per infusion (named by its date), x = day
    offset (-7 .. +84 by default), None for days without an entry, a vertical line at day 0 and,
    where the next infusion falls inside the window, a "Next infusion" marker in the line's
    colour. `names` gives the lines' names, one per series in order or by day 0 (e.g. "Course
    3 (2026-03-12)": analysis.series_names)."""
    offsets = [o for s in aligned for o, _ in s.points]
    x_range = [min(offsets, default=-7) - 1, max(offsets, default=84) + 1]
    fig = _figure(
        xaxis={"title": {"text": "Days from the course's last day"}, "range": x_range, "dtick": 7},
        yaxis={"range": PAIN_RANGE, "title": {"text": "Pain (0-10)"}, "dtick": 2},
        shapes=[
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": 0,
                "x1": 0,
                "y0": 0,
                "y1": 1,
                "line": {"color": INFUSION_COLOUR, "width": 1},
            }
        ],
    )
    for i, (series, name) in enumerate(
        zip(aligned, analysis.series_names(aligned, names), strict=True)
    ):
        colour = COLOURS[i % len(COLOURS)]
        fig.add_scatter(
            name=name,
            legendgroup=name,
            x=[o for o, _ in series.points],
            y=[p for _, p in series.points],
            mode="lines+markers",
            connectgaps=False,
            line={"color": colour, "width": 2},
            marker={"size": 4},
            hovertemplate=f"{name}<br>Day %{{x}}: %{{y:.1f}}<extra></extra>",
        )
        if series.next_infusion_offset is not None:
            fig.add_scatter(
                name="Next infusion",
                legendgroup=name,
                showlegend=False,
                x=[series.next_infusion_offset],
                y=[10],
                mode="markers",
                marker={"symbol": "triangle-down", "size": 11, "color": colour},
                hovertemplate=f"Next infusion after {name}: day %{{x}}<extra></extra>",
            )
    return fig
