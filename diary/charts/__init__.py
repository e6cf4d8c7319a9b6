"""Plotly figures for the printed pre-visit report (daily pain and pain around each course),
built only from `diary.analysis` results: pain.py, what they share in common.py, and the weekly
axis (weekly.py) that the review's SVG charts (diary/charts_svg) share. The review page and the
patient's trends are drawn as SVG on the server. Every public name is importable from
`diary.charts`.

No Flask, no database. The page loads a plotly.js bundle with only the `scatter`, `bar` and
`heatmap` traces (static/vendor/plotly-diary.min.js, built by tools/plotly-bundle/build.sh), so
only those are used here; a new trace type needs its module added to tools/plotly-bundle/entry.js.
Every figure carries the small explicit TEMPLATE instead of plotly's default template, which
would add about 10 KB to each figure's JSON. Missing days are None (gaps), never zeros.
"""

from diary.charts.common import (
    COLOURS,
    GRID,
    INFUSION_COLOUR,
    PAIN_RANGE,
    PHONE_CONFIG,
    PLOT_CONFIG,
    STATIC_CONFIG,
    TEMPLATE,
    TEMPLATE_DICT,
    Figure,
    figure_json,
    script_json,
)
from diary.charts.pain import aligned_figure, pain_figure
from diary.charts.weekly import WEEKLY_AFTER_DAYS, WEEKLY_NOTE, Weeks, week_axis

__all__ = [
    "COLOURS",
    "GRID",
    "INFUSION_COLOUR",
    "PAIN_RANGE",
    "PHONE_CONFIG",
    "PLOT_CONFIG",
    "STATIC_CONFIG",
    "TEMPLATE",
    "TEMPLATE_DICT",
    "WEEKLY_AFTER_DAYS",
    "WEEKLY_NOTE",
    "Figure",
    "Weeks",
    "aligned_figure",
    "figure_json",
    "pain_figure",
    "script_json",
    "week_axis",
]
