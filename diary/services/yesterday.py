""" "Same as yesterday": what the diary form may copy from a recent day into a new entry.

The page carries the last few days' copyable values (measures.SAME_AS_YESTERDAY: symptoms,
body sites, medications; never pain) as JSON, so the phone can copy yesterday's answers
offline, together with any entry still waiting in its outbox (static/js/yesterday.js). Without
JavaScript, /diary?copy=yesterday fills the form from the same values.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Row, Text, cast, func, select

from diary import measures
from diary.extensions import db
from diary.measures import Kind
from diary.models import Entry, User

# Today and the two days before it: a page opened today can copy into today (from yesterday)
# or into yesterday (from the day before), and a copy of the page kept by the phone until the
# next day still knows that day's entries.
DAYS_KEPT = 3
_LISTS = (Kind.CODES, Kind.LINES)


def recent_days(patient: User, today: date) -> dict[str, dict[str, Any]]:
    """{ISO day: {measure code: the day's value}} for the days today-2..today that have live
    entries, in one query. A day's value combines its entries as the analysis does: the union
    of codes and of medication lines (in the order first written), the latest text.

    The database returns each day's distinct answers once (grouped on the JSON as text), not
    every entry: a day with hundreds of identical entries costs one row, so the Today page does
    not slow down with the entries already saved."""
    rows = _rows(patient, today)
    days: dict[str, dict[str, Any]] = {}
    latest_text: dict[tuple[str, str], Any] = {}
    for row in rows:
        key = row[0].isoformat()
        day = days.setdefault(key, {})
        for m, value in zip(measures.SAME_AS_YESTERDAY, row[3:], strict=True):
            if m.kind in _LISTS:
                seen = day.setdefault(m.code, [])
                seen.extend(v for v in json.loads(value or "null") or () if v not in seen)
            elif value and row[2] >= latest_text.get((key, m.code), row[2]):
                # The text of the answer written last that day.
                latest_text[(key, m.code)] = row[2]
                day[m.code] = value
    return days


def _rows(patient: User, today: date) -> list[Row]:
    """Each day's distinct answers: (day, first written, last written, *SAME_AS_YESTERDAY)."""
    columns = [
        cast(m.of(Entry), Text) if m.kind in _LISTS else m.of(Entry)
        for m in measures.SAME_AS_YESTERDAY
    ]
    return db.session.execute(
        select(Entry.day, func.min(Entry.recorded_at), func.max(Entry.recorded_at), *columns)
        .where(
            Entry.patient_id == patient.id,
            Entry.deleted_at.is_(None),
            Entry.day >= today - timedelta(days=DAYS_KEPT - 1),
            Entry.day <= today,
        )
        .group_by(Entry.day, *columns)
        .order_by(Entry.day, func.min(Entry.recorded_at))
    ).all()


def copied_values(days: dict[str, dict[str, Any]], into: date) -> dict[str, Any] | None:
    """The values to copy into an entry for `into`: those of the day before, None when that
    day has no entry."""
    return days.get((into - timedelta(days=1)).isoformat())
