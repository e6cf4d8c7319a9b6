"""The patient's data leaves with them: CSV and FHIR R4 (checked against FHIR's own models)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from diary.extensions import db
from diary.models import AuditEvent
from tests.factories import login


def test_patient_downloads_own_csv(client, make):
    patient, other = make.patient(), make.patient()
    make.entry(
        patient,
        make.days_ago(2),
        7,
        symptoms=["burning", "allodynia"],
        side_effects={"nausea": 2},
        note="=HYPERLINK(evil)",
    )
    make.entry(patient, make.days_ago(1), 3)
    make.entry(other, make.days_ago(1), 9)
    login(client, patient)
    response = client.get("/api/v1/me/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["pain"] for r in rows] == ["7", "3"]
    assert rows[0]["symptoms"] == "burning;allodynia"
    assert rows[0]["side_effects"] == "nausea:2"
    assert rows[0]["note"] == "'=HYPERLINK(evil)"  # never a live formula in a spreadsheet


def test_late_entry_is_flagged_in_csv(client, make):
    """Late = not recorded by the end of the next day (the review's on-time rule): two days
    later is late; the next morning and the same evening are on time."""
    patient = make.patient(timezone="UTC")
    day = make.days_ago(3)
    make.entry(patient, day, 5, recorded_at=datetime.combine(day + timedelta(days=2), time(9), UTC))
    make.entry(patient, day, 6, recorded_at=datetime.combine(day + timedelta(days=1), time(9), UTC))
    make.entry(patient, day, 4, recorded_at=datetime.combine(day, time(20), UTC))
    login(client, patient)
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/me/export.csv").get_data(True))))
    late = {r["pain"]: r["recorded_late"] for r in rows}
    assert late == {"5": "true", "6": "false", "4": "false"}


def test_fhir_bundle_is_valid_r4_with_loinc_pain(client, make):
    patient, clinician = make.patient(), make.clinician()
    make.entry(
        patient,
        make.days_ago(1),
        6,
        pain_worst=8,
        sleep_hours=6.5,
        symptoms=["swelling"],
        body_sites=["right_hand"],
        side_effects={"vivid_dreams": 3},
        note="After the infusion",
    )
    make.infusion(patient, clinician, make.days_ago(3), duration_minutes=240, dose_mg=67.2)
    login(client, patient)
    response = client.get("/api/v1/me/fhir")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    document = response.get_json()
    Bundle.model_validate(document)  # raises if it is not a valid FHIR Bundle
    resources = [e["resource"] for e in document["entry"]]
    (observation,) = [r for r in resources if r["resourceType"] == "Observation"]
    components = {c["code"]["coding"][0]["code"]: c for c in observation["component"]}
    assert components["72514-3"]["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "72514-3",
        "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    }
    assert components["72514-3"]["valueInteger"] == 6
    worst = components["pain_worst"]
    assert worst["code"]["coding"][0]["system"] == "urn:diary:codes"  # never 72514-3 for worst
    assert worst["valueInteger"] == 8
    site = components["body_site"]["valueCodeableConcept"]["coding"]
    assert site[0]["system"] == "http://snomed.info/sct"
    assert [r["resourceType"] for r in resources].count("MedicationAdministration") == 1


def test_clinician_exports_linked_patient_and_it_is_audited(app, client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    make.entry(patient, make.days_ago(1), 4)
    login(client, clinician)
    assert client.get(f"/api/v1/patients/{patient.id}/export.csv").status_code == 200
    assert client.get(f"/api/v1/patients/{patient.id}/fhir").status_code == 200
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.patient_id == patient.id)
        ).all()
    assert actions == ["export.csv", "export.fhir"]


def test_clinician_cannot_export_unlinked_patient(client, make):
    patient, clinician = make.patient(), make.clinician()
    make.entry(patient)
    login(client, clinician)
    assert client.get(f"/api/v1/patients/{patient.id}/export.csv").status_code == 404
    assert client.get(f"/api/v1/patients/{patient.id}/fhir").status_code == 404
    assert client.get("/api/v1/me/fhir").status_code == 403


def test_history_and_review_pages_link_to_the_exports(client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    make.entry(patient, make.days_ago(1), 4)
    login(client, patient)
    history = client.get("/diary/history").get_data(as_text=True)
    for link in ("/api/v1/me/export.csv", "/api/v1/me/fhir"):
        assert f'href="{link}"' in history
        assert client.get(link).status_code == 200
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": login(client, patient)})
    login(client, clinician)
    review = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    for link in (
        f"/api/v1/patients/{patient.id}/export.csv",
        f"/api/v1/patients/{patient.id}/fhir",
    ):
        assert f'href="{link}"' in review
        assert client.get(link).status_code == 200
