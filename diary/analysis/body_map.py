"""The body map of the review: on how many days each region of the body map was reported.

Pure: plain dates and codes in, plain counts out (no Flask, no database).

BODY_MAP_DEFINITION is what the review prints next to the map.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from diary.codes import BODY_MAP_REGIONS, Region

BODY_MAP_DEFINITION = (
    "Each region is shaded by the share of diary days (days with at least one entry) in the "
    "period on which it was reported: a day counts once however many entries it has, and an "
    "entry counts on the day it describes (the patient's local day), also when it was written "
    "later. Fingers and palm count towards the hand, toes towards the foot, and 'whole arm' "
    "(chosen before the map had an upper arm) towards the upper arm."
)
# Shading levels: share of diary days, level 1 as soon as a region was reported once.
LEVEL_BOUNDS = (0.25, 0.5, 0.75)  # level 1 below 25 %, 2 below 50 %, 3 below 75 %, else 4
LEVEL_LABELS = ("Not reported", "Under 25%", "25% to 49%", "50% to 74%", "75% or more")


@dataclass(frozen=True)
class RegionDays:
    """One period (start..end inclusive): its diary days and, per region key, the days on which
    the region was reported (regions never reported are absent)."""

    start: date
    end: date
    diary_days: int
    days: Mapping[str, int]

    def count(self, region: str) -> int:
        return self.days.get(region, 0)

    def share(self, region: str) -> float | None:
        """Days reported / diary days; None for a period without any diary day."""
        if not self.diary_days:
            return None
        return self.count(region) / self.diary_days

    def level(self, region: str) -> int:
        """0 not reported, then 1-4 by LEVEL_BOUNDS on the share of diary days."""
        share = self.share(region)
        if not share:
            return 0
        return 1 + sum(share >= bound for bound in LEVEL_BOUNDS)


def sites_by_day(
    entries: Iterable[tuple[date, Iterable[str]]], start: date, end: date
) -> dict[date, set[str]]:
    """The body-site codes of each day in start..end that has an entry (an empty set for a day
    whose entries reported none): the union over the day's entries."""
    by_day: dict[date, set[str]] = {}
    for day, sites in entries:
        if start <= day <= end:
            by_day.setdefault(day, set()).update(sites)
    return by_day


def _count(
    by_day: Mapping[date, set[str]], start: date, end: date, regions: tuple[Region, ...]
) -> RegionDays:
    """RegionDays of start..end from the body sites of each day (days outside are skipped)."""
    region_of: dict[str, list[str]] = {}
    for region in regions:
        for code in region.counts:
            region_of.setdefault(code, []).append(region.key)
    regions_of_sites: dict[frozenset[str], set[str]] = {}  # most days repeat a few site sets
    days: dict[str, int] = {}
    diary_days = 0
    for day, sites in by_day.items():
        if not start <= day <= end:
            continue
        diary_days += 1
        key = frozenset(sites)
        keys = regions_of_sites.get(key)
        if keys is None:
            keys = regions_of_sites[key] = {r for code in key for r in region_of.get(code, ())}
        for region_key in keys:
            days[region_key] = days.get(region_key, 0) + 1
    return RegionDays(start, end, diary_days, days)


def region_days(
    entries: Iterable[tuple[date, Iterable[str]]],
    start: date,
    end: date,
    regions: tuple[Region, ...] = BODY_MAP_REGIONS,
) -> RegionDays:
    """Count, for each region, the days in start..end (inclusive) on which at least one entry
    reported one of the region's codes (Region.counts). `entries` is one (day, body-site codes)
    pair per entry, in any order; entries outside the period are ignored; codes that belong to
    no region (unknown old data) count towards none. `diary_days` counts the days of the period
    with any entry, with or without body sites."""
    return _count(sites_by_day(entries, start, end), start, end, regions)


def quarters(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar quarters (Jan-Mar, Apr-Jun, Jul-Sep, Oct-Dec) that meet start..end, each cut
    to the range, oldest first."""
    periods = []
    q_start = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while q_start <= end:
        month = q_start.month + 3
        following = date(q_start.year + (month > 12), (month - 1) % 12 + 1, 1)
        periods.append((max(q_start, start), min(following - timedelta(days=1), end)))
        q_start = following
    return periods


def quarter_label(start: date) -> str:
    """'Q2 2026' for any day of April to June 2026."""
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def by_quarter(
    entries: Iterable[tuple[date, Iterable[str]]], start: date, end: date
) -> list[RegionDays]:
    """region_days for each calendar quarter of start..end (quarters()), oldest first."""
    return _quarters_of(sites_by_day(entries, start, end), start, end)


def whole_and_quarters(
    entries: Iterable[tuple[date, Iterable[str]]], start: date, end: date
) -> tuple[RegionDays, list[RegionDays]]:
    """region_days(entries, start, end) and by_quarter(entries, start, end), each day's sites
    gathered once: the quarters cover the period and no day is in two, so the whole period's
    counts are the quarters' added (joined)."""
    quarters_counted = _quarters_of(sites_by_day(entries, start, end), start, end)
    if not quarters_counted:
        return _count({}, start, end, BODY_MAP_REGIONS), []
    whole = quarters_counted[0]
    for quarter in quarters_counted[1:]:
        whole = joined(whole, quarter)
    return RegionDays(start, end, whole.diary_days, whole.days), quarters_counted


def _quarters_of(by_day: Mapping[date, set[str]], start: date, end: date) -> list[RegionDays]:
    periods = quarters(start, end)
    buckets: dict[tuple[int, int], dict[date, set[str]]] = {
        (q_start.year, (q_start.month - 1) // 3): {} for q_start, _ in periods
    }
    for day, sites in by_day.items():
        buckets[(day.year, (day.month - 1) // 3)][day] = sites
    return [
        _count(buckets[(q_start.year, (q_start.month - 1) // 3)], q_start, q_end, BODY_MAP_REGIONS)
        for q_start, q_end in periods
    ]


def joined(first: RegionDays, second: RegionDays) -> RegionDays:
    """The counts of two periods that follow each other (second starts the day after first
    ends) as one period: its diary days and each region's days added (no day is in both)."""
    if second.start != first.end + timedelta(days=1):
        raise ValueError(f"{first.start}..{first.end} and {second.start}..{second.end} do not meet")
    days = dict(first.days)
    for region, count in second.days.items():
        days[region] = days.get(region, 0) + count
    return RegionDays(first.start, second.end, first.diary_days + second.diary_days, days)


def joined_quarters(first: list[RegionDays], second: list[RegionDays]) -> list[RegionDays]:
    """by_quarter of a period from by_quarter of its two parts (second starting the day after
    first ends): a quarter cut by the split is joined back into one."""
    if not first or not second:
        return [*first, *second]
    last, following = first[-1], second[0]
    if quarter_label(last.start) != quarter_label(following.start):
        return [*first, *second]
    return [*first[:-1], joined(last, following), *second[1:]]
