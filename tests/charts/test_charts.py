"""The plotly figures in diary.charts (the printed report's pain and aligned charts), checked on
their data (trace names, values, gaps), not on pixels."""

import json
from datetime import date, timedelta

import plotly.graph_objects as go
import pytest

from diary import charts as app_charts
from diary.analysis import (
    AlignedSeries,
    Reading,
    aligned_on_infusions,
    daily_aggregates,
    weekly_values,
)

START = date(2026, 5, 1)
ALLOWED_TRACES = {"scatter", "bar", "heatmap"}


class _Validated:
    """diary.charts, with every figure passed through go.Figure(): the app builds plain dicts
    without plotly.py's validators, and this checks each one against plotly's schema (an
    unknown or misspelt property, or a bad value, raises ValueError)."""

    def __getattr__(self, name):
        found = getattr(app_charts, name)
        if not name.endswith("_figure"):
            return found
        return lambda *args, **kwargs: go.Figure(found(*args, **kwargs))


charts = _Validated()


def day(offset: int) -> date:
    return START + timedelta(days=offset)


def trace(fig: go.Figure, name: str):
    (found,) = [t for t in fig.data if t.name == name]
    return found


def as_dates(xs) -> list[date]:
    return [x if isinstance(x, date) else date.fromisoformat(str(x)[:10]) for x in xs]


def all_figures(aggregates) -> list[go.Figure]:
    pain = {d: a.pain for d, a in aggregates.items()}
    return [
        charts.pain_figure(aggregates, day(0), day(9), [day(2)]),
        charts.aligned_figure(aligned_on_infusions(pain, [day(2)])),
    ]


# --- pain ---------------------------------------------------------------------------------------


def test_pain_figure_has_one_point_per_day_and_none_at_gaps(aggregates):
    fig = charts.pain_figure(aggregates, day(0), day(9), [day(2)])
    now = trace(fig, "Pain now (daily mean)")
    assert as_dates(now.x) == [day(i) for i in range(10)]
    assert list(now.y) == [7, 5, None, 3, None, None, None, None, None, 2]
    assert now.connectgaps is False
    worst = trace(fig, "Worst pain (24 h)")
    assert list(worst.y) == [9, 9, None, None, None, None, None, None, None, None]


def test_pain_figure_rolling_mean_needs_four_of_seven_days(aggregates):
    fig = charts.pain_figure(aggregates, day(0), day(9), [])
    rolling = trace(fig, "7-day mean")
    # Only day 0, 1, 3 have data up to day 6: never 4 of 7 days
    assert list(rolling.y) == [None] * 10
    more = dict(aggregates)
    for i in (4, 5):
        more[day(i)] = daily_aggregates([Reading(day=day(i), pain=1)])[day(i)]
    rolling = trace(charts.pain_figure(more, day(0), day(9), []), "7-day mean")
    assert rolling.y[4] == pytest.approx((7 + 5 + 3 + 1) / 4)
    assert rolling.y[3] is None


def test_pain_figure_marks_infusions_in_range(aggregates):
    fig = charts.pain_figure(aggregates, day(0), day(9), [day(2), day(8), day(30)])
    infusion = trace(fig, "Infusion")
    assert as_dates(infusion.x) == [day(2), day(8)]
    assert list(infusion.y) == [10, 10]
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert sorted(as_dates([s.x0 for s in lines])) == [day(2), day(8)]
    low, high = fig.layout.yaxis.range
    assert low <= 0 and high >= 10


def test_pain_figure_without_infusions_or_entries():
    fig = charts.pain_figure({}, day(0), day(2), [])
    assert list(trace(fig, "Pain now (daily mean)").y) == [None, None, None]
    assert len(trace(fig, "Infusion").x) == 0
    assert not fig.layout.shapes


# --- aligned ------------------------------------------------------------------------------------


def test_aligned_figure_one_line_per_infusion_with_gaps():
    pain = {day(i): 5.0 for i in range(-7, 0)} | {day(3): 2.0, day(40): 4.0}
    aligned = aligned_on_infusions(pain, [day(0), day(40)])
    fig = charts.aligned_figure(aligned)
    first = trace(fig, day(0).isoformat())
    assert list(first.x) == list(range(-7, 85))
    y = dict(zip(first.x, first.y, strict=True))
    assert y[-7] == 5.0 and y[3] == 2.0
    # day 40 is the next infusion's day 0: it belongs to that line, never to this one
    assert y[40] is None and y[84] is None
    assert y[0] is None and y[1] is None
    assert first.connectgaps is False
    assert trace(fig, day(40).isoformat()).y[7] == 4.0  # its day 0
    (zero,) = fig.layout.shapes
    assert (zero.x0, zero.x1) == (0, 0)
    (next_marker,) = [t for t in fig.data if t.name == "Next infusion"]
    assert list(next_marker.x) == [40]
    assert next_marker.legendgroup == day(0).isoformat()


def test_aligned_figure_empty():
    fig = charts.aligned_figure([])
    assert len(fig.data) == 0
    one = AlignedSeries(day(0), ((0, 3.0),), None, None)
    assert [t.name for t in charts.aligned_figure([one]).data] == [day(0).isoformat()]


# --- all figures --------------------------------------------------------------------------------


def test_only_trace_types_in_the_partial_bundle(aggregates):
    for fig in all_figures(aggregates):
        assert {t.type for t in fig.data} <= ALLOWED_TRACES


def test_figures_use_the_small_template_and_json_stays_small(aggregates):
    for fig in all_figures(aggregates):
        text = charts.figure_json(fig)
        figure = json.loads(text)
        template = figure["layout"]["template"]
        assert set(template) == {"layout"}  # plotly's default template also has per-trace data
        assert template["layout"]["font"]["family"].startswith("system-ui")
        assert len(json.dumps(template)) < 1_000
        assert figure["config"]["displaylogo"] is False
        assert len(text) < 12_000, len(text)
        assert text == json.dumps(figure, separators=(",", ":"))  # compact separators


def test_weekly_means_need_four_days_and_keep_the_infusion_markers():
    """Friday 1 May .. Thursday 21 May 2026 (day 0..20), weeks starting Monday: 27 Apr (days
    0-2: pain 6, only 3 days -> gap), 4 May (days 3-9: pain 2 on 5 days -> 2.0), 11 May
    (days 10-16: pain 4 on days 10-13 -> 4.0; swelling on day 12), 18 May (days 17-20: pain 8
    on 3 days -> gap). The 7-day mean trace goes; the infusion marker on day 5 stays."""
    readings = [Reading(day=day(i), pain=6) for i in range(3)]
    readings += [Reading(day=day(i), pain=2) for i in (3, 4, 5, 7, 9)]
    readings += [
        Reading(day=day(i), pain=4, symptoms=frozenset({"swelling"} if i == 12 else ()))
        for i in (10, 11, 12, 13)
    ]
    readings += [Reading(day=day(i), pain=8) for i in (17, 18, 20)]
    aggregates = daily_aggregates(readings)
    weeks = weekly_values(aggregates, ["pain", "pain_worst", "symptoms"], day(0), day(20))
    pain = app_charts.pain_figure(aggregates, day(0), day(20), [day(5)], weeks=weeks)
    go.Figure(pain)  # still valid for plotly
    mondays = [date(2026, 4, 27), date(2026, 5, 4), date(2026, 5, 11), date(2026, 5, 18)]
    mean = next(t for t in pain["data"] if t["name"] == "Pain now (weekly mean)")
    assert (mean["x"], mean["y"]) == (mondays, [None, 2.0, 4.0, None])
    assert "7-day mean" not in [t["name"] for t in pain["data"]]
    marker = next(t for t in pain["data"] if t["name"] == "Infusion")
    assert marker["x"] == [day(5)]
