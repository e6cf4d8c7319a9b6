"""The review's body map: the regions shaded by how often they were reported in the range, and
one small map per calendar quarter, from one query (the day and body sites of each live entry
in the range), whatever the length of the diary. The review page renders it once per cached
page (services/review_cache.review_page) and keeps the HTML with it.

Kept apart from the rest of the review (load.py, pages.py): the page includes it with one
template include; the counting is diary.analysis.body_map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from sqlalchemy import Text, cast, select

from diary import measures
from diary.analysis import ONE_DAY
from diary.analysis import body_map as analysis
from diary.analysis.body_map import RegionDays
from diary.codes import BODY_MAP_REGIONS, Region
from diary.extensions import db
from diary.models import Entry, User
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
    """`patient` has been through the access gate. One query: of the whole period, or, when the
    patient's kept history (history.py) has the counts of the days before its boundary, of
    the days from the boundary on (the first query of such a period keeps those counts)."""
    kept = history.kept(patient)
    if kept is not None and start < kept.boundary <= end:
        bound = kept.boundary
        key = ("body_map", start)
        before = kept.memo.get(key)
        if before is None:  # the first time: one query of the whole period, split at bound
            entries = _entries(patient, start, end)
            before = kept.before(
                key, lambda: _counted([e for e in entries if e[0] < bound], start, bound - ONE_DAY)
            )
            after = _counted([e for e in entries if e[0] >= bound], bound, end)
        else:
            after = _counted(_entries(patient, bound, end), bound, end)
        whole = analysis.joined(before[0], after[0])
        quarters = analysis.joined_quarters(before[1], after[1])
    else:
        whole, quarters = _counted(_entries(patient, start, end), start, end)
    return ReviewBodyMap(
        whole=whole,
        quarters=[Quarter(analysis.quarter_label(q.start), q) for q in quarters],
        regions=tuple(r for r in BODY_MAP_REGIONS if whole.count(r.key)),
    )


def _entries(patient: User, start: date, end: date) -> list[tuple[date, list[str]]]:
    """(day, body sites) of each live entry of start..end."""
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
    return entries


def _counted(entries, start: date, end: date) -> tuple[RegionDays, list[RegionDays]]:
    """The counts of start..end, whole and by quarter."""
    return analysis.region_days(entries, start, end), analysis.by_quarter(entries, start, end)
