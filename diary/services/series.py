"""A patient's diary as the plain `Reading`s the analysis takes, in one query.

The measures' columns are selected, as rows rather than ORM objects: a page with
five years of entries stays fast, and a later commit cannot expire rows the page still reads.
Callers pass a patient that has been through the access gate.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from diary import measures
from diary.analysis import Reading
from diary.extensions import db
from diary.models import Entry

# Every measure of the registry, so a new measure reaches the analysis without a change here.
READING_COLUMNS = (
    Entry.day,
    Entry.recorded_at,
    Entry.timezone,
    *(m.of(Entry) for m in measures.MEASURES),
)


def readings(
    patient_id: int,
    start: date | None = None,
    end: date | None = None,
    default_zone: str | None = None,
) -> list[Reading]:
    """The patient's live entries for days start..end (inclusive; open when None), oldest first.
    An entry made before zones were kept gets `default_zone` (the patient's)."""
    query = select(*READING_COLUMNS).where(
        Entry.patient_id == patient_id, Entry.deleted_at.is_(None)
    )
    if start is not None:
        query = query.where(Entry.day >= start)
    if end is not None:
        query = query.where(Entry.day <= end)
    return [
        Reading(
            day=r.day,
            recorded_at=r.recorded_at,
            timezone=r.timezone or default_zone,
            values={m.code: m.plain(m.of(r)) for m in measures.MEASURES},
        )
        for r in db.session.execute(query.order_by(Entry.day, Entry.recorded_at, Entry.id))
    ]
