"""The patient's own trends: daily pain over the last 30 or 90 days, infusion days marked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from diary import analysis, charts_svg
from diary.models import User, utcnow
from diary.services import infusion_calendar, series
from diary.services.local_time import local_today

RANGES = (30, 90)
ROLLING_DAYS = 7  # the chart's 7-day mean (charts_svg.pain_trend)


@dataclass(frozen=True)
class Trends:
    days: int
    start: date
    end: date
    chart: charts_svg.TrendChart  # drawn as SVG on the server: the phone runs no chart script
    days_with_entry: int
    mean_pain: float | None
    infusion_days: list[date]


def patient_trends(patient: User, days: int, *, now: datetime | None = None) -> Trends:
    """The patient's own pain over the last `days` days (30 or 90) as a chart and a summary."""
    now = now or utcnow()
    days = days if days in RANGES else RANGES[0]
    end = local_today(patient, now)
    start = end - timedelta(days=days - 1)
    # The 6 days before the window too: the 7-day mean of its first days counts them, as the
    # review's does (the chart draws and lists only start..end).
    read_from = start - timedelta(days=ROLLING_DAYS - 1)
    loaded = analysis.daily_aggregates(series.readings(patient.id, read_from, end))
    aggregates = {d: a for d, a in loaded.items() if d >= start}
    marked = infusion_calendar.infusion_days(patient, start, end, now=now)
    daily = analysis.daily_pain(aggregates)
    return Trends(
        days=days,
        start=start,
        end=end,
        chart=charts_svg.pain_trend(loaded, start, end, marked),
        days_with_entry=len(aggregates),
        mean_pain=round(sum(daily.values()) / len(daily), 1) if daily else None,
        infusion_days=marked,
    )
