"""The body map of the review: on how many days each region of the body map was reported.

Pure: plain dates and codes in, plain counts out (no Flask, no database).

BODY_MAP_DEFINITION is what the review prints next to the map.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

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
    sets = Counter(frozenset(sites) for day, sites in by_day.items() if start <= day <= end)
    return region_days_of_sets(sets.items(), start, end, regions)


def region_days_of_sets(
    sets: Iterable[tuple[Iterable[str], int]],
    start: date,
    end: date,
    regions: tuple[Region, ...] = BODY_MAP_REGIONS,
    _regions_of: dict[frozenset[str], set[str]] | None = None,
) -> RegionDays:
    """RegionDays of start..end from its diary days grouped by what they reported: (sites,
    days) pairs, `days` diary days of the period whose entries reported `sites` in all (each
    day in one pair; `sites` may be empty). The counts region_days makes from the days' own
    sites (the same days, the same unions), with work per distinct set of sites, not per day:
    a long diary repeats a few. `_regions_of` (region keys per site set) may be shared by the
    calls of one count with the same regions (whole_and_quarters_of_sets)."""
    region_of = None  # _region_of(regions), looked up for a set not yet in regions_of only
    regions_of = {} if _regions_of is None else _regions_of
    days: dict[str, int] = {}
    diary_days = 0
    for sites, count in sets:
        diary_days += count
        key = sites if type(sites) is frozenset else frozenset(sites)
        keys = regions_of.get(key)
        if keys is None:
            if region_of is None:
                region_of = _region_of(regions)  # hashes every region: not once per quarter
            keys = regions_of[key] = {r for code in key for r in region_of.get(code, ())}
        for region_key in keys:
            days[region_key] = days.get(region_key, 0) + count
    return RegionDays(start, end, diary_days, days)


@lru_cache(maxsize=8)
def _region_of(regions: tuple[Region, ...]) -> dict[str, list[str]]:
    """Each body-site code and the keys of the regions it counts towards (Region.counts); kept
    per regions tuple and only read."""
    region_of: dict[str, list[str]] = {}
    for region in regions:
        for code in region.counts:
            region_of.setdefault(code, []).append(region.key)
    return region_of


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
    return whole_and_quarters(entries, start, end)[1]


def whole_and_quarters(
    entries: Iterable[tuple[date, Iterable[str]]], start: date, end: date
) -> tuple[RegionDays, list[RegionDays]]:
    """region_days(entries, start, end) and by_quarter(entries, start, end), each day's sites
    gathered once (sites_by_day), then counted by quarter as whole_and_quarters_of_sets does."""
    periods = quarters(start, end)
    buckets: dict[tuple[int, int], Counter[frozenset[str]]] = {
        (q_start.year, (q_start.month - 1) // 3): Counter() for q_start, _ in periods
    }
    for day, sites in sites_by_day(entries, start, end).items():
        buckets[(day.year, (day.month - 1) // 3)][frozenset(sites)] += 1
    return whole_and_quarters_of_sets([bucket.items() for bucket in buckets.values()], start, end)


def whole_and_quarters_of_sets(
    by_quarter_sets: Sequence[Iterable[tuple[Iterable[str], int]]], start: date, end: date
) -> tuple[RegionDays, list[RegionDays]]:
    """The counts of start..end, whole and by quarter, from each quarter's diary days grouped
    by what they reported (region_days_of_sets' pairs): by_quarter_sets[i] for quarters(start,
    end)[i]. The quarters cover the period and no day is in two, so the whole period's counts
    are the quarters' added (joined)."""
    periods = quarters(start, end)
    if len(by_quarter_sets) != len(periods):
        raise ValueError(f"{len(by_quarter_sets)} quarters of sets for {len(periods)} quarters")
    regions_of: dict[frozenset[str], set[str]] = {}  # shared: the quarters repeat the sets
    quarters_counted = [
        region_days_of_sets(sets, q_start, q_end, BODY_MAP_REGIONS, regions_of)
        for sets, (q_start, q_end) in zip(by_quarter_sets, periods, strict=True)
    ]
    if not quarters_counted:
        return RegionDays(start, end, 0, {}), []
    whole = quarters_counted[0]
    for quarter in quarters_counted[1:]:
        whole = joined(whole, quarter)
    return RegionDays(start, end, whole.diary_days, whole.days), quarters_counted


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
