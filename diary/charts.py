"""Plotly figures for the clinician's review, built only from `diary.analysis` results.

No Flask, no database. The page loads a plotly.js bundle with only the `scatter`, `bar` and
`heatmap` traces (static/vendor/plotly-diary.min.js, built by tools/plotly-bundle/build.sh), so
only those are used here; a new trace type needs its module added to tools/plotly-bundle/entry.js.
Every figure carries the small explicit TEMPLATE instead of plotly's default template, which
would add about 10 KB to each figure's JSON. Missing days are None (gaps), never zeros.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import orjson
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from diary import analysis, measures
from diary.analysis import AlignedSeries, DayAggregate
from diary.codes import BODY_SITES, PGIC_ANSWERS, SEVERITIES, SIDE_EFFECTS, SYMPTOMS, Code, label

# Okabe-Ito colours: distinguishable with the common colour vision deficiencies.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
INFUSION_COLOUR = "#6a3d9a"
GRID = "#e6e6e6"

TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": "system-ui, sans-serif", "size": 13, "color": "#222"},
        "colorway": list(COLOURS),
        "paper_bgcolor": "#fff",
        "plot_bgcolor": "#fff",
        "margin": {"l": 56, "r": 16, "t": 32, "b": 40},
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.15},
        "xaxis": {"gridcolor": GRID, "zeroline": False, "automargin": True},
        "yaxis": {"gridcolor": GRID, "zeroline": False, "automargin": True},
    }
)

# Passed to Plotly.newPlot with the figure (see figure_json): no logo, no link to plotly.com.
PLOT_CONFIG = {"displaylogo": False, "responsive": True}
# For fixed-size figures on a printed page: no mode bar, no resizing with the window.
STATIC_CONFIG = {"displaylogo": False, "responsive": False, "staticPlot": True}
# For the patient's phone: no tool bar to hit by mistake; taps still show values.
PHONE_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}

SEVERITY_COLOURS = ("#f2f2f2", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000")  # none .. very severe

PAIN_RANGE = [-0.3, 10.3]  # 0-10 with room for markers drawn at 0 and 10


TEMPLATE_DICT = TEMPLATE.to_plotly_json()


def _merge(target: dict, changes: Mapping[str, Any]) -> None:
    """Nested update, as plotly's update_layout does: dicts merge, other values replace."""
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value) if isinstance(value, dict | list) else value


class Figure(dict):
    """A figure as the plain dict plotly.js reads, {"data": [traces], "layout": {...}}, with the
    few plotly.py methods the app uses. Built without plotly.py's validators, which cost more
    than all the rest of the review; the tests pass every figure the app makes through
    go.Figure(), which checks it against plotly's schema."""

    def __init__(self, layout: dict | None = None, axes: dict | None = None) -> None:
        super().__init__(data=[], layout=layout or {})
        self._axes = axes or {}  # (row, secondary_y) -> {"xaxis": "x2", "yaxis": "y2"}

    @property
    def data(self) -> list[dict]:
        return self["data"]

    @property
    def layout(self) -> dict:
        return self["layout"]

    def _add(self, kind: str, row=None, col=None, secondary_y=None, **trace) -> Figure:
        if row is not None:
            trace.update(self._axes[(row, bool(secondary_y))])
        self["data"].append({"type": kind, **trace})
        return self

    def add_scatter(self, **trace) -> Figure:
        return self._add("scatter", **trace)

    def add_bar(self, **trace) -> Figure:
        return self._add("bar", **trace)

    def add_heatmap(self, **trace) -> Figure:
        return self._add("heatmap", **trace)

    def update_layout(self, **changes) -> Figure:
        _merge(self["layout"], changes)
        return self

    def update_traces(self, selector: Mapping[str, Any] | None = None, **changes) -> Figure:
        for trace in self["data"]:
            if all(trace.get(k) == v for k, v in (selector or {}).items()):
                _merge(trace, changes)
        return self

    def _update_axes(self, prefix: str, changes: Mapping[str, Any]) -> Figure:
        keys = [k for k in self["layout"] if k.startswith(prefix)] or [prefix]
        for key in keys:
            _merge(self["layout"].setdefault(key, {}), changes)
        return self

    def update_xaxes(self, **changes) -> Figure:
        return self._update_axes("xaxis", changes)

    def update_yaxes(self, **changes) -> Figure:
        return self._update_axes("yaxis", changes)


def _figure(**layout) -> Figure:
    return Figure(layout={"template": TEMPLATE_DICT, **layout})


def _steps(colours) -> list[list]:
    """A colorscale of equal flat steps, for coded values 0..n-1 (no misleading blends)."""
    n = len(colours)
    return [[edge, c] for i, c in enumerate(colours) for edge in (i / n, (i + 1) / n)]


def _days(start: date, end: date) -> list[date]:
    return analysis.days_between(start, end)


def _ordered_codes(vocabulary: tuple[Code, ...], seen: set[str]) -> list[str]:
    """Codes in vocabulary order, then codes not in the vocabulary (old data) sorted."""
    known = [c.code for c in vocabulary]
    return known + sorted(seen - set(known))


def _infusion_lines(days: list[date]) -> list[dict]:
    return [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": d,
            "x1": d,
            "y0": 0,
            "y1": 1,
            "line": {"color": INFUSION_COLOUR, "width": 1, "dash": "dot"},
        }
        for d in days
    ]


def _daily_series(
    aggregates: Mapping[date, DayAggregate], measure: measures.Measure, days: list[date]
) -> list[float | None]:
    """One measure's daily value for each day, None for a day without entries."""
    return [aggregates[d][measure.code] if d in aggregates else None for d in days]


def pain_figure(
    aggregates: Mapping[date, DayAggregate],
    start: date,
    end: date,
    infusion_days: list[date],
    *,
    mark_late: bool = False,
    treatments: Sequence[tuple[date, str]] = (),
) -> Figure:
    """Daily pain from start to end: pain now (daily mean), worst pain and the 7-day rolling
    mean (analysis.rolling_mean, 4 of 7 days needed), one point per calendar day with None for
    days without an entry, infusion days as dotted vertical lines plus an "Infusion" marker
    trace at the top of the 0-10 axis. With `mark_late`, days whose entries were all recorded
    late (DayAggregate.late) get an open "Recorded late" ring over their pain point. Other
    treatments (day, label) are "Other treatment" markers at the bottom of the axis."""
    days = _days(start, end)
    daily = analysis.daily_pain(aggregates)
    rolling = analysis.rolling_mean(daily, days, window=7)
    shown_infusions = sorted({d for d in infusion_days if start <= d <= end})

    fig = _figure(
        yaxis={"range": PAIN_RANGE, "title": {"text": "Pain (0-10)"}, "dtick": 2},
        xaxis={"type": "date"},
        shapes=_infusion_lines(shown_infusions),
    )
    fig.add_scatter(
        name=measures.PAIN.short_label,
        x=days,
        y=[daily.get(d) for d in days],
        mode="lines+markers",
        connectgaps=False,
        line={"color": COLOURS[0], "width": 2},
    )
    fig.add_scatter(
        name=measures.PAIN_WORST.short_label,
        x=days,
        y=_daily_series(aggregates, measures.PAIN_WORST, days),
        mode="lines+markers",
        connectgaps=False,
        line={"color": COLOURS[1], "width": 1, "dash": "dash"},
        marker={"size": 5},
    )
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
        late = [d for d in days if d in aggregates and aggregates[d].late]
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


def symptom_figure(aggregates: Mapping[date, DayAggregate], start: date, end: date) -> Figure:
    """Symptoms by day: a heatmap with one row per symptom (codes.SYMPTOMS order, first at the
    top; codes unknown to codes.py after them), one column per day, z = 1 reported, 0 entry
    without it, None no entry that day."""
    days = _days(start, end)
    reported = {d: aggregates[d][measures.SYMPTOMS.code] for d in days if d in aggregates}
    codes = _ordered_codes(SYMPTOMS, set().union(*reported.values()))
    z = [
        [(1 if code in reported[d] else 0) if d in reported else None for d in days]
        for code in codes
    ]
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


def body_site_figure(aggregates: Mapping[date, DayAggregate]) -> Figure:
    """Days on which each body site was reported, as horizontal bars: only sites reported at
    least once, the most frequent at the top (ties in codes.BODY_SITES order)."""
    counts: dict[str, int] = {}
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


def aligned_figure(aligned: list[AlignedSeries], names: Mapping[date, str] | None = None) -> Figure:
    """Pain by day from each infusion: one line per infusion (named by its date), x = day
    offset (-7 .. +84 by default), None for days without an entry, a vertical line at day 0 and,
    where the next infusion falls inside the window, a "Next infusion" marker in the line's
    colour. `names` gives a line's name by its day 0 (e.g. "Course 3, ended 2026-03-12")."""
    offsets = [o for s in aligned for o, _ in s.points]
    x_range = [min(offsets, default=-7) - 1, max(offsets, default=84) + 1]
    fig = _figure(
        xaxis={"title": {"text": "Days from infusion"}, "range": x_range, "dtick": 7},
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
    for i, series in enumerate(aligned):
        name = (names or {}).get(series.infusion_day, series.infusion_day.isoformat())
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


def sleep_interference_figure(
    aggregates: Mapping[date, DayAggregate],
    start: date,
    end: date,
    weekly: list[tuple[date, int | None, int | None]],
) -> Figure:
    """Sleep, interference and the weekly check-in, in three rows sharing the date axis:
    1. hours slept and sleep quality (0-10, higher is better);
    2. the PEG interference items, enjoyment of life and general activity (0-10, higher is
       worse);
    3. weekly PROMIS Pain Interference 4a raw score (4-20, left axis) and PGIC (1 very much
       improved .. 7 very much worse, right axis), as markers.
    Daily series have one point per calendar day, None when no entry has the value."""
    days = _days(start, end)

    fig = Figure(copy.deepcopy(_SLEEP_LAYOUT), _SLEEP_AXES)
    daily = {"mode": "lines+markers", "connectgaps": False, "marker": {"size": 5}}
    for measure, row, line in (
        (measures.SLEEP_HOURS, 1, {"color": COLOURS[0]}),
        (measures.SLEEP_QUALITY, 1, {"color": COLOURS[2], "dash": "dash"}),
        (measures.PEG_ENJOYMENT, 2, {"color": COLOURS[1]}),
        (measures.PEG_ACTIVITY, 2, {"color": COLOURS[3], "dash": "dash"}),
    ):
        fig.add_scatter(
            name=measure.short_label,
            x=days,
            y=_daily_series(aggregates, measure, days),
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


# Ranges longer than this show weekly means (the figures stay small at any length of history).
WEEKLY_AFTER_DAYS = 365
WEEKLY_NOTE = (
    "Over a year, the charts show one point per week (weeks start on Monday): the mean of the "
    "days with entries when at least 4 of its 7 days have one, else a gap; symptoms count as "
    "reported in a week when reported on any of its days."
)


def weekly(fig: Figure, start: date, end: date) -> Figure:
    """The daily series of `fig` (traces with one x per calendar day from start to end) as
    weekly series (WEEKLY_NOTE): line traces get the mean of the week's days with a value,
    None unless at least analysis.WEEK_MEAN_MIN_DAYS have one; heatmap cells the highest value
    of the week (1 reported on any day, 0 entries without it, None no entry). The 7-day rolling
    mean is left out (a weekly mean already is one). Other traces (markers) are kept as they
    are."""
    days = _days(start, end)
    weeks = sorted({d - timedelta(days=d.weekday()) for d in days})
    slot = {d: weeks.index(d - timedelta(days=d.weekday())) for d in days}
    kept = []
    for trace in fig["data"]:
        x = trace.get("x")
        if x is None or len(x) != len(days) or (x and x[0] != start):
            kept.append(trace)
            continue
        if trace.get("name") == "7-day mean":
            continue
        if trace["type"] == "heatmap":
            rows = []
            for row in trace["z"]:
                cells: list[list] = [[] for _ in weeks]
                for d, value in zip(days, row, strict=True):
                    if value is not None:
                        cells[slot[d]].append(value)
                rows.append([max(c) if c else None for c in cells])
            trace["z"] = rows
        else:
            values: list[list] = [[] for _ in weeks]
            for d, value in zip(days, trace["y"], strict=True):
                if value is not None:
                    values[slot[d]].append(value)
            trace["y"] = [
                sum(v) / len(v) if len(v) >= analysis.WEEK_MEAN_MIN_DAYS else None for v in values
            ]
            name = trace.get("name", "")
            trace["name"] = (
                name.replace("daily mean", "weekly mean")
                if "daily mean" in name
                else f"{name} (weekly mean)"
            )
        trace["x"] = weeks
        kept.append(trace)
    fig["data"] = kept
    return fig


def figure_json(fig: Figure | go.Figure, config: dict | None = None) -> str:
    """Compact JSON for the page: {"data", "layout", "config"}; the page passes the parsed
    object to Plotly.newPlot(element, figure), which reads all three keys. `config` defaults
    to PLOT_CONFIG (STATIC_CONFIG for printed pages). Serialised once, by orjson (dates as
    YYYY-MM-DD, as plotly's own encoder writes them)."""
    plain = fig.to_plotly_json() if isinstance(fig, go.Figure) else fig
    data = [
        {k: _rounded(v) if k in ("y", "z") else v for k, v in trace.items()}
        for trace in plain["data"]
    ]
    figure = {"data": data, "layout": plain["layout"], "config": config or PLOT_CONFIG}
    return orjson.dumps(figure, default=_json_default).decode()


def _rounded(values: Any) -> Any:
    """Means to 2 decimals (4.666666666666667 -> 4.67): what a chart can show, in a third of
    the bytes."""
    if isinstance(values, float):
        return round(values, 2)
    if isinstance(values, list | tuple):
        return [_rounded(v) for v in values]
    return values


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):  # an average PostgreSQL computed
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def script_json(text: str) -> str:
    """JSON made safe to place inside <script type="application/json">: no "</script>" or
    "<!--" can end the block early (JSON.parse reads the escapes back)."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
