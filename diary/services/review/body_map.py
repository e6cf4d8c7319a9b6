"""The review's body map: the regions shaded by how often they were reported in the range, and
one small map per calendar quarter, from the days the review has loaded (body_map_of_days: no
query) or from one query (the day and body sites of each live entry in the range), whatever
the length of the diary. The review page renders it once per cached
page (services/review_cache.review_page) and keeps the HTML with it.

Kept apart from the rest of the review (load.py, pages.py): the page includes it with one
template include; the counting is diary.analysis.body_map.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from markupsafe import Markup
from sqlalchemy import Text, cast, select

from diary import measures
from diary.analysis import DayAggregate
from diary.analysis import body_map as analysis
from diary.analysis.body_map import RegionDays
from diary.codes import BODY_MAP_REGIONS, Region
from diary.extensions import db
from diary.models import Entry, User
from diary.services import loaded_days
from diary.services.review import history

# Fill of each shading level (analysis.LEVEL_LABELS), light to dark; SVG presentation
# attributes (the CSP allows no style attributes), so they print as they show.
LEVEL_FILLS = ("#ffffff", "#fde2c8", "#f6a66b", "#d9572b", "#8a1f0f")
LEVELS = tuple(zip(LEVEL_FILLS, analysis.LEVEL_LABELS, strict=True))
DEFINITION = analysis.BODY_MAP_DEFINITION
# Small maps drawn: the last two years' quarters. A longer range keeps every quarter in the
# table; drawing twenty maps for five years would double the page for what the table says.
QUARTERS_DRAWN = 8


@dataclass(frozen=True)
class Quarter:
    label: str
    counts: RegionDays


@dataclass(frozen=True)
class ReviewBodyMap:
    whole: RegionDays
    quarters: list[Quarter]
    regions: tuple[Region, ...]  # the regions reported at least once in the range, map order
    definition: ClassVar[str] = DEFINITION
    levels: ClassVar[tuple[tuple[str, str], ...]] = LEVELS

    @property
    def drawn_quarters(self) -> list[Quarter]:
        return self.quarters[-QUARTERS_DRAWN:]

    def fills(self, counts: RegionDays) -> dict[str, str]:
        return {r.key: LEVEL_FILLS[counts.level(r.key)] for r in BODY_MAP_REGIONS}

    def quarter_cells(self, region: Region) -> Markup:
        """The table's cells of `region` in each quarter, after its whole range's: "days of
        diary days" (the days alone for a quarter without diary days), written here in one
        join rather than by a template loop per cell (a 5-year range has twenty quarters)."""
        key = region.key
        return Markup(  # noqa: S704 (numbers only)
            "".join(
                f"<td>{q.counts.count(key)} of {q.counts.diary_days}</td>"
                if q.counts.diary_days
                else f"<td>{q.counts.count(key)}</td>"
                for q in self.quarters
            )
        )

    def described(self, counts: RegionDays) -> str:
        """The shading of one map in words (the figure's accessible name)."""
        reported = [r for r in BODY_MAP_REGIONS if counts.count(r.key)]
        if not counts.diary_days:
            return "no diary days"
        days = f"{counts.diary_days} diary day{'s' if counts.diary_days != 1 else ''}"
        if not reported:
            return f"{days}, no body site reported"
        return f"{days}; " + ", ".join(f"{r.label} {counts.count(r.key)}" for r in reported)


def body_map(patient: User, start: date, end: date) -> ReviewBodyMap:
    """`patient` has been through the access gate. One query."""
    # The JSON as text, decoded once per distinct value: a long diary repeats a few site lists,
    # and decoding every row was most of the time (bench/body_map.py).
    sites = cast(measures.BODY_SITES.of(Entry), Text)
    rows = db.session.execute(
        select(Entry.day, sites).where(
            Entry.patient_id == patient.id,
            Entry.deleted_at.is_(None),
            Entry.day >= start,
            Entry.day <= end,
        )
    ).all()
    decoded: dict[str | None, list[str]] = {None: []}
    entries = []
    for day, raw in rows:
        if raw not in decoded:
            decoded[raw] = json.loads(raw) or []
        entries.append((day, decoded[raw]))
    return _counted(entries, start, end)


def body_map_of_days(
    aggregates: Mapping[date, DayAggregate],
    start: date,
    end: date,
    kept: history.History | None = None,
) -> ReviewBodyMap:
    """body_map from the days the review has loaded (daily_sql.day_aggregates: each day's body
    sites are the union of its live entries'), without a query: the same map, the same counts
    (counting a day's union is what analysis.sites_by_day does with its entries). With a kept
    history whose boundary is in the period, the days before it are counted once per kept
    history and joined to the days from it on (analysis.joined, joined_quarters)."""
    code = measures.BODY_SITES.code
    if kept is None or not start < kept.boundary <= end:
        return _review_map(*_of_days(aggregates, start, end))
    bound = kept.boundary
    whole_before, quarters_before = history.sets_before(kept, code, start)[1]
    whole_after, quarters_after = _of_days(history.recent_days(kept, aggregates, end), bound, end)
    return _review_map(
        analysis.joined(whole_before, whole_after),
        analysis.joined_quarters(quarters_before, quarters_after),
    )


def _of_days(
    aggregates: Mapping[date, DayAggregate], start: date, end: date
) -> tuple[RegionDays, list[RegionDays]]:
    """region_counts of start..end from the loaded days, grouped by quarter and set of body
    sites (loaded_days.day_set_counts: each day is already its entries' union)."""
    by_quarter = loaded_days.day_set_counts(
        aggregates, measures.BODY_SITES.code, analysis.quarters(start, end)
    )
    return analysis.whole_and_quarters_of_sets(by_quarter, start, end)


def _counted(
    entries: Iterable[tuple[date, Iterable[str]]], start: date, end: date
) -> ReviewBodyMap:
    return _review_map(*region_counts(entries, start, end))


def region_counts(
    entries: Iterable[tuple[date, Iterable[str]]], start: date, end: date
) -> tuple[RegionDays, list[RegionDays]]:
    """The counts of start..end, whole and by quarter (each day's sites gathered once)."""
    return analysis.whole_and_quarters(entries, start, end)


def _review_map(whole: RegionDays, quarters: list[RegionDays]) -> ReviewBodyMap:
    return ReviewBodyMap(
        whole=whole,
        quarters=[Quarter(analysis.quarter_label(q.start), q) for q in quarters],
        regions=tuple(r for r in BODY_MAP_REGIONS if whole.count(r.key)),
    )
