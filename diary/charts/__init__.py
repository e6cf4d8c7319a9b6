"""Plotly figures for the clinician's review and the patient's trends, built only from
`diary.analysis` results; one module per feature (pain, symptoms, sleep_side_effects, courses,
weekly), what they share in common.py. The public names are all importable from `diary.charts`.

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
    SEVERITY_COLOURS,
    SMALL_CONFIG,
    STATIC_CONFIG,
    TEMPLATE,
    TEMPLATE_DICT,
    Figure,
    figure_json,
    script_json,
)
from diary.charts.courses import dose_response_figure, safety_trend_figure
from diary.charts.pain import aligned_figure, pain_figure
from diary.charts.sleep_side_effects import side_effect_figure, sleep_interference_figure
from diary.charts.symptoms import body_site_figure, symptom_figure
from diary.charts.weekly import WEEKLY_AFTER_DAYS, WEEKLY_NOTE, Weeks, week_axis

__all__ = [
    "COLOURS",
    "GRID",
    "INFUSION_COLOUR",
    "PAIN_RANGE",
    "PHONE_CONFIG",
    "PLOT_CONFIG",
    "SEVERITY_COLOURS",
    "SMALL_CONFIG",
    "STATIC_CONFIG",
    "TEMPLATE",
    "TEMPLATE_DICT",
    "WEEKLY_AFTER_DAYS",
    "WEEKLY_NOTE",
    "Figure",
    "Weeks",
    "aligned_figure",
    "body_site_figure",
    "dose_response_figure",
    "figure_json",
    "pain_figure",
    "safety_trend_figure",
    "script_json",
    "side_effect_figure",
    "sleep_interference_figure",
    "symptom_figure",
    "week_axis",
]
