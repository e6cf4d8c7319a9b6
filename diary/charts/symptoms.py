"""Symptoms by day and the body sites reported."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from diary import measures
from diary.analysis import DayAggregate
from diary.charts.common import COLOURS, Figure, _days, _figure, _ordered_codes, _steps
from diary.charts.weekly import Weeks, week_axis
from diary.codes import BODY_SITES, SYMPTOMS, label


def symptom_figure(
    aggregates: Mapping[date, DayAggregate],
    start: date,
    end: date,
    weeks: Weeks | None = None,
) -> Figure:
    """Symptoms by day: a heatmap with one row per symptom (codes.SYMPTOMS order, first at the
    top; codes unknown to codes.py after them), one column per day, z = 1 reported, 0 entry
    without it, None no entry that day. With `weeks` (over a year), one column per week: 1
    reported on any of its days, 0 entries without it, None no entry that week."""
    code = measures.SYMPTOMS.code
    if weeks is None:
        days = _days(start, end)
        reported = {d: aggregates[d][code] for d in days if d in aggregates}
    else:
        days = week_axis(start, end)
        reported = {w: weeks[w][code] for w in days if w in weeks}
    codes = _ordered_codes(SYMPTOMS, set().union(*reported.values()))
    z = [[(1 if c in reported[d] else 0) if d in reported else None for d in days] for c in codes]
    fig = _figure(
        xaxis={"type": "date"},
        yaxis={"autorange": "reversed"},
        height=120 + 24 * len(codes),
    )
    fig.add_heatmap(
        name="Symptoms",
        x=days,
        y=[label(SYMPTOMS, c) for c in codes],
        z=z,
        zmin=-0.5,
        zmax=1.5,
        colorscale=_steps(["#eef2f7", COLOURS[1]]),
        xgap=1,
        ygap=1,
        colorbar={"tickvals": [0, 1], "ticktext": ["Not reported", "Reported"], "len": 0.5},
        hovertemplate="%{y}<br>%{x|%d %b %Y}: %{z}<extra></extra>",
    )
    return fig


def body_site_figure(
    aggregates: Mapping[date, DayAggregate], counts: Mapping[str, int] | None = None
) -> Figure:
    """Days on which each body site was reported, as horizontal bars: only sites reported at
    least once, the most frequent at the top (ties in codes.BODY_SITES order). `counts` (site
    -> days, e.g. counted by the database) replaces counting the days of `aggregates`."""
    if counts is None:
        counts = {}
        for agg in aggregates.values():
            for site in agg[measures.BODY_SITES.code]:
                counts[site] = counts.get(site, 0) + 1
    order = {code: i for i, code in enumerate(_ordered_codes(BODY_SITES, set(counts)))}
    codes = sorted(counts, key=lambda c: (-counts[c], order[c]))
    fig = _figure(
        yaxis={"autorange": "reversed"},
        xaxis={"title": {"text": "Days reported"}, "rangemode": "tozero"},
        height=120 + 28 * max(len(codes), 1),
    )
    fig.add_bar(
        name="Days reported",
        orientation="h",
        x=[counts[c] for c in codes],
        y=[label(BODY_SITES, c) for c in codes],
        marker={"color": COLOURS[0]},
        hovertemplate="%{y}: %{x} days<extra></extra>",
    )
    return fig
