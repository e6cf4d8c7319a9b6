"""A patient's diary as the plain `Reading`s the analysis takes, in one query.

Only the columns the analysis needs are selected, as rows rather than ORM objects: a page with
five years of entries stays fast, and a later commit cannot expire rows the page still reads.
Callers pass a patient that has been through the access gate.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from diary.analysis import Reading
from diary.extensions import db
from diary.models import Entry

READING_COLUMNS = (
    Entry.day,
    Entry.recorded_at,
    Entry.pain,
    Entry.pain_worst,
    Entry.pain_least,
    Entry.pain_average,
    Entry.sleep_hours,
    Entry.sleep_quality,
    Entry.peg_enjoyment,
    Entry.peg_activity,
    Entry.mood,
    Entry.symptoms,
    Entry.body_sites,
    Entry.side_effects,
    Entry.note,
    Entry.timezone,
    Entry.medications,
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
            pain=r.pain,
            pain_worst=r.pain_worst,
            pain_least=r.pain_least,
            pain_average=r.pain_average,
            sleep_hours=r.sleep_hours,
            sleep_quality=r.sleep_quality,
            peg_enjoyment=r.peg_enjoyment,
            peg_activity=r.peg_activity,
            mood=r.mood,
            symptoms=frozenset(r.symptoms or ()),
            body_sites=frozenset(r.body_sites or ()),
            side_effects=tuple(sorted((r.side_effects or {}).items())),
            note=r.note,
            recorded_at=r.recorded_at,
            timezone=r.timezone or default_zone,
            medications=frozenset(r.medications or ()),
        )
        for r in db.session.execute(query.order_by(Entry.day, Entry.recorded_at, Entry.id))
    ]
