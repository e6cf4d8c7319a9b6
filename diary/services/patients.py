"""What a clinician sees of their patients: the linked list with a summary each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select

from diary.extensions import db
from diary.models import Entry, User
from diary.services import audit
from diary.services.access import linked_patients_query


@dataclass(frozen=True)
class PatientSummary:
    id: int
    display_name: str
    email: str
    last_entry_day: date | None
    entries_last_14_days: int
    mean_pain_7_days: float | None


def patient_summaries(clinician: User, today: date) -> list[PatientSummary]:
    """Each linked patient with recent figures, in two queries whatever the number of patients."""
    patients = list(db.session.scalars(linked_patients_query(clinician)))
    if not patients:
        return []
    since_14 = today - timedelta(days=13)
    since_7 = today - timedelta(days=6)
    live = Entry.deleted_at.is_(None)
    rows = db.session.execute(
        select(
            Entry.patient_id,
            func.max(Entry.day),
            func.count(func.distinct(case((Entry.day >= since_14, Entry.day)))),
            func.avg(case((Entry.day >= since_7, Entry.pain))),
        )
        .where(Entry.patient_id.in_([p.id for p in patients]), live)
        .group_by(Entry.patient_id)
    ).all()
    figures = {pid: (last, n14, mean7) for pid, last, n14, mean7 in rows}
    audit.record_reads("patient.list", actor=clinician, patient_ids=[p.id for p in patients])
    db.session.commit()
    return [
        PatientSummary(
            id=p.id,
            display_name=p.display_name,
            email=p.email,
            last_entry_day=figures.get(p.id, (None,))[0],
            entries_last_14_days=figures.get(p.id, (None, 0))[1],
            mean_pain_7_days=(
                round(float(figures[p.id][2]), 1)
                if p.id in figures and figures[p.id][2] is not None
                else None
            ),
        )
        for p in patients
    ]
