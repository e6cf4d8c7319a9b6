""" "Same as yesterday": what the diary form may copy from a recent day into a new entry.

The page carries the last few days' copyable values (measures.SAME_AS_YESTERDAY: symptoms,
body sites, medications; never pain) as JSON, so the phone can copy yesterday's answers
offline, together with any entry still waiting in its outbox (static/js/yesterday.js). Without
JavaScript, /diary?copy=yesterday fills the form from the same values.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Row, bindparam, select, union_all

from diary import measures
from diary.extensions import db
from diary.measures import Kind
from diary.models import Entry, User

# Today and the two days before it: a page opened today can copy into today (from yesterday)
# or into yesterday (from the day before), and a copy of the page kept by the phone until the
# next day still knows that day's entries.
DAYS_KEPT = 3
_LISTS = (Kind.CODES, Kind.LINES)


# Each day's answers are read from its last DAY_ENTRIES_READ live entries: bounded, however many
# entries the day has (a day with more is combined from its latest ones).
DAY_ENTRIES_READ = 20


def recent_days(patient: User, today: date) -> dict[str, dict[str, Any]]:
    """{ISO day: {measure code: the day's value}} for the days today-2..today that have live
    entries, in one query. A day's value combines its entries as the analysis does: the union
    of codes and of medication lines (in the order first written), the latest text.

    Each day is read from the end of the index of live entries in the order written, at most
    DAY_ENTRIES_READ entries of it (the latest): the Today page costs the same after one entry
    or thousands. A day with more entries than that is combined from its latest ones."""
    return combined(recent_rows(patient, today))


def combined(rows: list[Row]) -> dict[str, dict[str, Any]]:
    """recent_days' answer from `recent_rows`' rows (or rows that begin with the same columns:
    services/today.py reads them with the day's state after them)."""
    days: dict[str, dict[str, Any]] = {}
    for row in rows:  # oldest first within each day
        day = days.setdefault(row[0].isoformat(), {})
        for m, value in zip(measures.SAME_AS_YESTERDAY, row[_FIRST_VALUE:_END], strict=True):
            if m.kind in _LISTS:
                seen = day.setdefault(m.code, [])
                seen.extend(v for v in value or () if v not in seen)
            elif value:
                day[m.code] = value  # the text of the answer written last that day
    return days


# Each row: the day, when it was written, the entry's id and pain (the Today page lists today's
# latest entries from these rows: services/today.py), then the measures copied.
_FIRST_VALUE = 4
_END = _FIRST_VALUE + len(measures.SAME_AS_YESTERDAY)


def _day_rows(day: str):
    return (
        select(
            Entry.day,
            Entry.recorded_at,
            Entry.id,
            measures.PAIN.of(Entry),
            *(m.of(Entry) for m in measures.SAME_AS_YESTERDAY),
        )
        .where(
            Entry.patient_id == bindparam("patient_id"),
            Entry.day == bindparam(day, type_=Date),
            Entry.deleted_at.is_(None),
        )
        .order_by(Entry.recorded_at.desc(), Entry.id.desc())
        .limit(DAY_ENTRIES_READ)
        .subquery()
    )


# Built once, with bound parameters: the last entries of each of the DAYS_KEPT days.
_DAYS = [_day_rows(f"day{i}") for i in range(DAYS_KEPT)]
RECENT = union_all(*(select(*sub.c) for sub in _DAYS)).subquery()
# Oldest first within each day, in the order written, then by id.
RECENT_ORDER = (RECENT.c.day, RECENT.c.recorded_at, RECENT.c.id)
_RECENT_IN_ORDER = select(*RECENT.c).order_by(*RECENT_ORDER)


def recent_params(patient: User, today: date) -> dict[str, Any]:
    """RECENT's parameters: the patient, and the days today-2..today."""
    params: dict[str, Any] = {"patient_id": patient.id}
    params.update({f"day{i}": today - timedelta(days=i) for i in range(DAYS_KEPT)})
    return params


def recent_rows(patient: User, today: date) -> list[Row]:
    """The last entries of each of the days today-2..today, oldest first (in the order written,
    then by id): (day, recorded_at, id, pain, *SAME_AS_YESTERDAY)."""
    # Plain rows on the session's connection (same transaction): no ORM objects to build.
    return db.session.connection().execute(_RECENT_IN_ORDER, recent_params(patient, today)).all()


def copied_values(days: dict[str, dict[str, Any]], into: date) -> dict[str, Any] | None:
    """The values to copy into an entry for `into`: those of the day before, None when that
    day has no entry."""
    return days.get((into - timedelta(days=1)).isoformat())
