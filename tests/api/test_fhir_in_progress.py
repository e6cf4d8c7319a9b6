"""The FHIR export's MedicationAdministration of a continuous infusion still running (started 1
day ago, 3 days long: its effectivePeriod.end is after the Bundle's timestamp) has R4's status
for an administration under way, "in-progress" (until 7 Dec 2026 every started session was
"completed"); one that has ended is "completed"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from diary.extensions import db
from diary.models import Infusion
from tests.factories import login


def _exported(app, make, client, started_days_ago: int) -> tuple[dict, dict]:
    """The Bundle and its one MedicationAdministration: a 3-day continuous infusion that
    started `started_days_ago` days ago, exported by the patient's clinician now."""
    clinician, patient = make.clinician(), make.patient()
    make.link(clinician, patient)
    with app.app_context():
        db.session.add(
            Infusion(
                patient_id=patient.id,
                clinician_id=clinician.id,
                started_at=datetime.now(UTC) - timedelta(days=started_days_ago),
                duration_minutes=3 * 24 * 60,
                dose_mg=500.0,
            )
        )
        db.session.commit()
    login(client, clinician)
    bundle = client.get(f"/api/v1/patients/{patient.id}/fhir").get_json(force=True)
    [given] = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationAdministration"
    ]
    return bundle, given


def test_a_running_infusion_is_not_exported_as_completed(app, make, client):
    bundle, given = _exported(app, make, client, started_days_ago=1)
    end = datetime.fromisoformat(given["effectivePeriod"]["end"])
    assert end > datetime.fromisoformat(bundle["timestamp"])  # still running when exported
    assert given["status"] == "in-progress", given["status"]


def test_an_ended_infusion_is_exported_as_completed(app, make, client):
    _bundle, given = _exported(app, make, client, started_days_ago=4)
    assert given["status"] == "completed"
