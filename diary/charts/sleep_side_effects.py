"""Sleep, interference and the weekly check-in; side effects after each infusion or course."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from plotly.subplots import make_subplots

from diary import analysis, measures
from diary.analysis import DayAggregate
from diary.charts.common import (
    COLOURS,
    SEVERITY_COLOURS,
    TEMPLATE_DICT,
    Figure,
    _daily_series,
    _days,
    _figure,
    _ordered_codes,
    _steps,
)
from diary.charts.weekly import Weeks, week_axis, week_series, weekly_name
from diary.codes import PGIC_ANSWERS, SEVERITIES, SIDE_EFFECTS, label


def sleep_interference_figure(
    aggregates: Mapping[date, DayAggregate],
    start: date,
    end: date,
    weekly: list[tuple[date, int | None, int | None]],
    weeks: Weeks | None = None,
) -> Figure:
    """Sleep, interference and the weekly check-in, in three rows sharing the date axis:
    1. hours slept and sleep quality (0-10, higher is better);
    2. the PEG interference items, enjoyment of life and general activity (0-10, higher is
       worse);
    3. weekly PROMIS Pain Interference 4a raw score (4-20, left axis) and PGIC (1 very much
       improved .. 7 very much worse, right axis), as markers.
    Daily series have one point per calendar day, None when no entry has the value; with
    `weeks` (over a year) one weekly mean per week (weekly.WEEKLY_NOTE)."""
    days = _days(start, end) if weeks is None else week_axis(start, end)

    fig = Figure(copy.deepcopy(_SLEEP_LAYOUT), _SLEEP_AXES)
    daily = {"mode": "lines+markers", "connectgaps": False, "marker": {"size": 5}}
    for measure, row, line in (
        (measures.SLEEP_HOURS, 1, {"color": COLOURS[0]}),
        (measures.SLEEP_QUALITY, 1, {"color": COLOURS[2], "dash": "dash"}),
        (measures.PEG_ENJOYMENT, 2, {"color": COLOURS[1]}),
        (measures.PEG_ACTIVITY, 2, {"color": COLOURS[3], "dash": "dash"}),
    ):
        fig.add_scatter(
            name=measure.short_label if weeks is None else weekly_name(measure.short_label),
            x=days,
            y=(
                _daily_series(aggregates, measure, days)
                if weeks is None
                else week_series(weeks, measure.code, days)
            ),
            row=row,
            col=1,
            line=line,
            **daily,
        )
    weeks = [w for w in weekly if start <= w[0] <= end]
    fig.add_scatter(
        name="PROMIS PI 4a (raw, 4-20)",
        x=[w[0] for w in weeks],
        y=[w[1] for w in weeks],
        mode="markers",
        marker={"symbol": "square", "size": 10, "color": COLOURS[0]},
        row=3,
        col=1,
        secondary_y=False,
    )
    fig.add_scatter(
        name="PGIC (1-7)",
        x=[w[0] for w in weeks],
        y=[w[2] for w in weeks],
        text=[PGIC_ANSWERS[w[2] - 1] if w[2] is not None else None for w in weeks],
        mode="markers",
        marker={"symbol": "diamond", "size": 10, "color": COLOURS[4]},
        hovertemplate="PGIC %{x|%d %b %Y}: %{y} %{text}<extra></extra>",
        row=3,
        col=1,
        secondary_y=True,
    )
    return fig


def _sleep_skeleton() -> tuple[dict, dict]:
    """The three-row layout of sleep_interference_figure and each row's axes, made once with
    plotly's make_subplots (validated) when this module loads."""
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        row_heights=[0.36, 0.36, 0.28],
        subplot_titles=("Sleep", "Pain interference (PEG)", "Weekly check-in"),
        specs=[[{}], [{}], [{"secondary_y": True}]],
    )
    places = ((1, False), (2, False), (3, False), (3, True))
    for row, secondary in places:
        fig.add_scatter(x=[], y=[], row=row, col=1, secondary_y=secondary if row == 3 else None)
    fig.update_layout(height=620)
    fig.update_yaxes(range=[0, 14], title_text="Hours / 0-10", row=1, col=1)
    fig.update_yaxes(range=[-0.3, 10.3], title_text="0-10", row=2, col=1)
    fig.update_yaxes(range=[3.5, 20.5], title_text="PROMIS", row=3, col=1, secondary_y=False)
    fig.update_yaxes(
        range=[0.5, 7.5], title_text="PGIC", row=3, col=1, secondary_y=True, showgrid=False
    )
    fig.update_xaxes(type="date")
    layout = fig.to_plotly_json()["layout"]
    layout["template"] = TEMPLATE_DICT
    axes = {
        place: {"xaxis": trace.xaxis or "x", "yaxis": trace.yaxis or "y"}
        for place, trace in zip(places, fig.data, strict=True)
    }
    return layout, axes


_SLEEP_LAYOUT, _SLEEP_AXES = _sleep_skeleton()


def side_effect_figure(
    aggregates: Mapping[date, DayAggregate],
    infusion_days: list[date],
    days_after: int = 7,
    *,
    windows: Sequence[tuple[str, date, date]] | None = None,
) -> Figure:
    """Side effects after each infusion: a heatmap with one column per infusion (its date),
    one row per side effect (codes.SIDE_EFFECTS order; unknown codes after), z = the highest
    severity (0-4, codes.SEVERITIES) reported on days 0 .. +days_after after it. The window
    stops before the next infusion day, so that each effect counts for the latest infusion
    only. z is 0 when there were entries in the window without that effect, None when there
    were no entries at all. `windows` (column name, first day, last day) replaces the windows
    computed from `infusion_days`, e.g. one per course from its first session to 7 days after
    it ended."""
    if windows is None:
        ordered = sorted(set(infusion_days))
        windows = []
        for i, day in enumerate(ordered):
            last = day + timedelta(days=days_after)
            if i + 1 < len(ordered):
                last = min(last, ordered[i + 1] - timedelta(days=1))
            windows.append((day.isoformat(), day, last))
    felt = [
        [
            aggregates[d][measures.SIDE_EFFECTS.code]
            for d in analysis.days_between(first, last)
            if d in aggregates
        ]
        for _, first, last in windows
    ]
    codes = _ordered_codes(SIDE_EFFECTS, {code for w in felt for day in w for code in day})
    z: list[list[int | None]] = []
    for code in codes:
        row: list[int | None] = []
        for window in felt:
            row.append(max((day.get(code, 0) for day in window), default=None))
        z.append(row)
    text = [["No entries" if v is None else SEVERITIES[v] for v in row] for row in z]
    fig = _figure(
        xaxis={"type": "category", "title": {"text": "Infusion"}},
        yaxis={"autorange": "reversed"},
        height=140 + 24 * len(codes),
    )
    fig.add_heatmap(
        name="Side effects",
        x=[name for name, _, _ in windows],
        y=[label(SIDE_EFFECTS, c) for c in codes],
        z=z,
        text=text,
        zmin=-0.5,  # each code in the middle of its colour step
        zmax=len(SEVERITIES) - 0.5,
        colorscale=_steps(SEVERITY_COLOURS),
        xgap=1,
        ygap=1,
        colorbar={"tickvals": list(range(len(SEVERITIES))), "ticktext": list(SEVERITIES)},
        hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
    )
    return fig
