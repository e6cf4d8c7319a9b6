"""Hand-made diaries for the review's edge cases: days counted back from today (UTC), entries
inserted in bulk, and a clinician signed in with a linked patient."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert

from diary.extensions import db
from diary.models import Entry
from tests.factories import login

TODAY = datetime.now(UTC).date()


def ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def entries(app, patient, pains: dict[date, list[int] | int], **fields) -> None:
    """Entries with the given pain(s) per day, recorded at noon UTC that day (on time), or at
    `recorded_at(day, i)` when given."""
    recorded = fields.pop("recorded_at", None)
    rows = []
    for d, ps in pains.items():
        for i, p in enumerate(ps if isinstance(ps, list) else [ps]):
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "patient_id": patient.id,
                    "day": d,
                    "recorded_at": recorded(d, i)
                    if recorded
                    else datetime.combine(d, time(12, i), UTC),
                    "pain": p,
                    "symptoms": [],
                    "body_sites": [],
                    "medications": [],
                    "side_effects": {},
                    "created_at": datetime.now(UTC),
                    "updated_at": datetime.now(UTC),
                    **fields,
                }
            )
    with app.app_context():
        db.session.execute(insert(Entry), rows)
        db.session.commit()


def span(first: int, last: int, pain) -> dict[date, int]:
    return {ago(n): pain for n in range(last, first + 1)}


def setup(make, client, tz: str = "UTC"):
    clinician = make.clinician(timezone=tz)
    patient = make.patient(timezone=tz, display_name="Pat")
    make.link(clinician, patient)
    login(client, clinician)
    return clinician, patient
