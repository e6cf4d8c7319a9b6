"""Each patient's data version goes up with every change to their entries, infusions or
check-ins, in the same transaction, and with nothing else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import insert, update

from diary.extensions import db
from diary.models import Entry, User
from diary.services import checkins, entries, infusions
from tests.factories import login


def version(app, patient) -> int:
    with app.app_context():
        return db.session.get(User, patient.id).data_version


def test_every_kind_of_change_bumps_only_that_patients_version(app, make):
    patient, other, clinician = make.patient(), make.patient(), make.clinician()
    with app.app_context():
        me = db.session.get(User, patient.id)
        doctor = db.session.get(User, clinician.id)
        steps = [
            lambda: entries.create_entry(me, {"pain": 4}),
            lambda: entries.update_entry(me, saved.entry.id, {"pain": 5}, version=1),
            lambda: entries.delete_entry(me, saved.entry.id),
            lambda: entries.restore_entry(me, saved.entry.id),
            lambda: checkins.record_checkin(
                me,
                {
                    "promis_pi": {
                        "pi_day_to_day": 2,
                        "pi_work_home": 2,
                        "pi_social": 2,
                        "pi_chores": 2,
                    },
                    "pgic": 3,
                },
            ),
            lambda: infusions.create_infusion(
                me, doctor, {"started_at": datetime(2026, 1, 5, 9, tzinfo=UTC), "dose_mg": 40}
            ),
        ]
        seen = [db.session.get(User, patient.id).data_version]
        saved = steps[0]()
        for step in steps[1:]:
            db.session.expire_all()
            seen.append(db.session.get(User, patient.id).data_version)
            step()
        db.session.expire_all()
        seen.append(db.session.get(User, patient.id).data_version)
    assert seen == [0, 1, 2, 3, 4, 5, 6]
    assert version(app, other) == 0


def test_bulk_statements_bump_the_patients_they_touch(app, make):
    first, second = make.patient(), make.patient()
    now = datetime.now(UTC)
    with app.app_context():
        db.session.execute(
            insert(Entry),
            [
                {
                    "id": uuid.uuid4(),
                    "patient_id": p.id,
                    "day": now.date(),
                    "pain": 3,
                    "recorded_at": now,
                    "symptoms": [],
                    "body_sites": [],
                    "medications": [],
                    "side_effects": {},
                }
                for p in (first, second)
            ],
        )
        db.session.commit()
        db.session.execute(update(Entry).where(Entry.patient_id == first.id).values(pain=4))
        db.session.commit()
    assert (version(app, first), version(app, second)) == (2, 1)


def test_a_refused_entry_changes_nothing(app, client, make):
    patient = make.patient()
    token = login(client, patient)
    refused = client.post("/api/v1/entries", json={"pain": 11}, headers={"X-CSRFToken": token})
    assert refused.status_code == 422
    assert version(app, patient) == 0
