"""Diary entries: reading them (creating, replaying and editing come with the patient diary)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from diary.extensions import db
from diary.models import Entry


def list_entries(
    patient_id: int,
    start: date | None = None,
    end: date | None = None,
    *,
    include_deleted: bool = False,
) -> list[Entry]:
    """A patient's entries for days start..end (inclusive), oldest first."""
    query = select(Entry).where(Entry.patient_id == patient_id)
    if start is not None:
        query = query.where(Entry.day >= start)
    if end is not None:
        query = query.where(Entry.day <= end)
    if not include_deleted:
        query = query.where(Entry.deleted_at.is_(None))
    return list(db.session.scalars(query.order_by(Entry.day, Entry.recorded_at, Entry.id)))
