""" "Same as yesterday": what the diary form may copy from a recent day into a new entry.

The page carries the last few days' copyable values (measures.SAME_AS_YESTERDAY: symptoms,
body sites, medications; never pain) as JSON, so the phone can copy yesterday's answers
offline, together with any entry still waiting in its outbox (static/js/yesterday.js). Without
JavaScript, /diary?copy=yesterday fills the form from the same values.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from diary import measures
from diary.extensions import db
from diary.measures import Kind
from diary.models import Entry, User

# Today and the two days before it: a page opened today can copy into today (from yesterday)
# or into yesterday (from the day before), and a copy of the page kept by the phone until the
# next day still knows that day's entries.
DAYS_KEPT = 3


def recent_days(patient: User, today: date) -> dict[str, dict[str, Any]]:
    """{ISO day: {measure code: the day's value}} for the days today-2..today that have live
    entries, in one query. A day's value combines its entries as the analysis does: the union
    of codes and of medication lines (in the order first written), the latest text."""
    columns = [m.of(Entry) for m in measures.SAME_AS_YESTERDAY]
    rows = db.session.execute(
        select(Entry.day, *columns)
        .where(
            Entry.patient_id == patient.id,
            Entry.deleted_at.is_(None),
            Entry.day >= today - timedelta(days=DAYS_KEPT - 1),
            Entry.day <= today,
        )
        .order_by(Entry.day, Entry.recorded_at, Entry.id)
    ).all()
    days: dict[str, dict[str, Any]] = {}
    for row in rows:
        day = days.setdefault(row[0].isoformat(), {})
        for m, value in zip(measures.SAME_AS_YESTERDAY, row[1:], strict=True):
            if m.kind in (Kind.CODES, Kind.LINES):
                seen = day.setdefault(m.code, [])
                seen.extend(v for v in value or () if v not in seen)
            elif value:
                day[m.code] = value
    return days


def copied_values(days: dict[str, dict[str, Any]], into: date) -> dict[str, Any] | None:
    """The values to copy into an entry for `into`: those of the day before, None when that
    day has no entry."""
    return days.get((into - timedelta(days=1)).isoformat())
