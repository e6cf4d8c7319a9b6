"""Infusion sessions and other treatments share their list and their creation
(services/clinic_records.py); what a clinician sees of each stays as it was."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from diary.extensions import db
from diary.models import AuditEvent
from diary.services import infusions, treatments

KINDS = {
    "treatment": (
        lambda p, c, day: treatments.record_treatment(p, c, {"day": day, "kind": "other"}),
        treatments.list_treatments,
    ),
    "infusion": (
        lambda p, c, day: infusions.create_infusion(
            p, c, {"started_at": datetime(day.year, day.month, day.day, 9, tzinfo=UTC)}
        ),
        infusions.list_infusions,
    ),
}


@pytest.mark.parametrize("kind", KINDS)
def test_records_list_newest_first_and_each_creation_is_audited(app, make, kind):
    """Recorded in the order A (10 January), B (12 January), C (12 January): the list is C, B,
    A (the same day: the later record first). Each creation is one `<kind>.create` event by the
    clinician, naming the record."""
    create, list_for = KINDS[kind]
    patient, clinician = make.patient(), make.clinician()
    with app.app_context():
        patient, clinician = db.session.merge(patient), db.session.merge(clinician)
        who = (clinician.id, patient.id)
        a, b, c = (create(patient, clinician, date(2026, 1, d)).id for d in (10, 12, 12))
        assert [r.id for r in list_for(patient.id)] == [c, b, a]
        events = db.session.execute(
            select(
                AuditEvent.action,
                AuditEvent.object_type,
                AuditEvent.object_id,
                AuditEvent.actor_id,
                AuditEvent.patient_id,
            ).order_by(AuditEvent.id)
        ).all()
    assert [tuple(e) for e in events] == [(f"{kind}.create", kind, str(i), *who) for i in (a, b, c)]
