"""Ranges longer than a year: one point per week."""

from __future__ import annotations

from datetime import date, timedelta

from diary import analysis
from diary.charts.common import Figure, _days

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
