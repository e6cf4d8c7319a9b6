"""What every figure shares: the colours, the template, the configs, the plain-dict Figure with
the few plotly.py methods the app uses, and the figure's JSON for the page."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
import plotly.graph_objects as go

from diary import analysis, measures
from diary.analysis import DayAggregate

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


def _days(start: date, end: date) -> list[date]:
    return analysis.days_between(start, end)


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
