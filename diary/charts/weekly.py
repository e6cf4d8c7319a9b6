"""Ranges longer than a year: one point per week (the figures stay small at any length of
history). The week's values come from analysis.weekly_values or, on the review, from the
database (services/daily_sql_grouped.weekly_means), which computes the same."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from diary import analysis

WEEKLY_AFTER_DAYS = 365
WEEKLY_NOTE = (
    "Over a year, the charts show one point per week (weeks start on Monday): the mean of the "
    "days with entries when at least 4 of its 7 days have one, else a gap; symptoms count as "
    "reported in a week when reported on any of its days; a ring marks a week with days recorded "
    "late (how many is in the chart's table)."
)

Weeks = Mapping[date, Mapping[str, Any]]


def week_axis(start: date, end: date) -> list[date]:
    """The Monday of every week from start's to end's (by C calls: a 5-year axis has 261)."""
    first, last = analysis.week_start(start), analysis.week_start(end)
    return list(map(date.fromordinal, range(first.toordinal(), last.toordinal() + 1, 7)))


def week_series(weeks: Weeks, code: str, axis: list[date]) -> list[Any]:
    """One measure's weekly value on each week of `axis`, None for a week without entries."""
    return [weeks[w].get(code) if w in weeks else None for w in axis]


def weekly_name(name: str) -> str:
    """A daily series' name for its weekly version: "Pain now (weekly mean)"."""
    return (
        name.replace("daily mean", "weekly mean")
        if "daily mean" in name
        else f"{name} (weekly mean)"
    )
