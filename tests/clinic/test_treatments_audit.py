"""A clinician's POST to the other-treatments page that fails validation shows the patient's
stored treatments again (the list under the form): a read, audited as the GET's
`treatments.read`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from diary.extensions import db
from diary.models import AuditEvent, Treatment
from tests.factories import login


def _events(app, patient_id):
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == patient_id))
        )


def test_failed_treatment_post_shows_treatments_and_is_audited(app, make, client):
    clinician, patient = make.clinician(), make.patient()
    make.link(clinician, patient)
    with app.app_context():
        db.session.add(
            Treatment(
                patient_id=patient.id,
                clinician_id=clinician.id,
                day=datetime.now(UTC).date() - timedelta(days=3),
                kind="nerve_block",
                description="Stellate ganglion block, left",
            )
        )
        db.session.commit()
    token = login(client, clinician)
    before = _events(app, patient.id)
    response = client.post(
        f"/clinic/patients/{patient.id}/treatments",
        data={"csrf_token": token, "day": "not a day", "kind": "nerve_block"},
    )
    assert response.status_code == 422
    assert "Stellate ganglion block, left" in response.get_data(as_text=True)  # the stored list
    after = _events(app, patient.id)
    assert len(after) > len(before), f"no audit event for the read; events: {after}"
