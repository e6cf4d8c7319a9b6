"""Across courses: relief and best change against dose, side effects after each course."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from diary.charts.common import COLOURS, Figure, _figure
from diary.codes import SEVERITIES, SIDE_EFFECTS, label


def dose_response_figure(
    points: Sequence[tuple[str, float | None, float | None, float | None]],
) -> Figure:
    """Relief and best change against dose, one point per course: (name, mean rate in mg/kg/h,
    relief length in days, best change in percent). x = rate; relief days on the left axis
    (circles), best change on the right axis (diamonds, negative = less pain). Courses without
    a rate are left out (they cannot be placed on the dose axis)."""
    placed = [p for p in points if p[1] is not None]
    fig = _figure(
        xaxis={"title": {"text": "Ketamine rate (mg/kg/h, course mean)"}, "rangemode": "tozero"},
        yaxis={"title": {"text": "Relief (days)"}, "rangemode": "tozero"},
        yaxis2={
            "title": {"text": "Best change (%)"},
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "range": [-105, 50],
        },
    )
    relief = [p for p in placed if p[2] is not None]
    fig.add_scatter(
        name="Relief (days)",
        x=[p[1] for p in relief],
        y=[p[2] for p in relief],
        text=[p[0] for p in relief],
        mode="markers",
        marker={"size": 11, "color": COLOURS[0]},
        hovertemplate="%{text}<br>%{x} mg/kg/h: relief %{y} days<extra></extra>",
    )
    best = [p for p in placed if p[3] is not None]
    fig.add_scatter(
        name="Best change (%)",
        x=[p[1] for p in best],
        y=[round(p[3], 1) for p in best],
        text=[p[0] for p in best],
        yaxis="y2",
        mode="markers",
        marker={"symbol": "diamond", "size": 11, "color": COLOURS[1]},
        hovertemplate="%{text}<br>%{x} mg/kg/h: best %{y}%<extra></extra>",
    )
    return fig


def safety_trend_figure(
    courses: Sequence[tuple[str, Mapping[str, int | None]]], codes: Sequence[str]
) -> Figure:
    """Side effects after each course as lines over the courses: one line per code in `codes`
    (e.g. dissociation, nausea, urinary symptoms), y = the worst severity 0-4 after that course
    (codes.SEVERITIES), None (a gap) when there were no entries after it."""
    fig = _figure(
        xaxis={"type": "category", "title": {"text": "Course"}},
        yaxis={
            "range": [-0.2, 4.2],
            "tickvals": list(range(len(SEVERITIES))),
            "ticktext": list(SEVERITIES),
        },
    )
    for i, code in enumerate(codes):
        fig.add_scatter(
            name=label(SIDE_EFFECTS, code),
            x=[name for name, _ in courses],
            y=[values.get(code) for _, values in courses],
            mode="lines+markers",
            connectgaps=False,
            line={"color": COLOURS[i % len(COLOURS)], "width": 2},
        )
    return fig
