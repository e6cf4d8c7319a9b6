"""Charts the server draws as SVG: the patient's pain trend (trend.py, for a phone: no chart
script) and the clinician's review charts (pain.py, courses.py, daily.py on the shared geometry
of plot.py). Pure: `diary.analysis` results in, geometry out (coordinates in the SVG's viewBox),
which templates draw with presentation attributes only (the CSP allows no style attributes).
Missing days are gaps, never zeros."""

from diary.charts_svg import pain as _pain
from diary.charts_svg import plot as _plot
from diary.charts_svg import series as _series
from diary.charts_svg.courses import (
    dose_response_chart,
    safety_chart,
    side_effect_chart,
    side_effect_grid,
)
from diary.charts_svg.daily import body_site_chart, sleep_chart, symptom_chart
from diary.charts_svg.pain import ALIGNED_COURSES, aligned_chart, pain_chart
from diary.charts_svg.plot import Chart, Line, Panel, Rect, Table
from diary.charts_svg.trend import Infusion, Point, Series, TableRow, Tick, TrendChart, pain_trend


def forget() -> None:
    """Forget the series this worker keeps between charts (series._kept_line and the aligned
    chart's courses, pain._course_line, its axes' positions, and the coordinates' texts): benches,
    tests."""
    _series._kept_line.cache_clear()
    _plot._TEXTS.clear()
    _pain._course_line.cache_clear()
    _pain._aligned_x.cache_clear()
    _pain._aligned_y.cache_clear()


__all__ = [
    "ALIGNED_COURSES",
    "Chart",
    "Infusion",
    "Line",
    "Panel",
    "Point",
    "Rect",
    "Series",
    "Table",
    "TableRow",
    "Tick",
    "TrendChart",
    "aligned_chart",
    "body_site_chart",
    "dose_response_chart",
    "forget",
    "pain_chart",
    "pain_trend",
    "safety_chart",
    "side_effect_chart",
    "side_effect_grid",
    "sleep_chart",
    "symptom_chart",
]
