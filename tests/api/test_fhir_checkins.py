"""The weekly check-ins in the FHIR export (docs/operations.md, The FHIR export): each answer an
Observation of its day with local codes, the PROMIS PI 4a raw score only when all four items
are answered (4 + 3 + 2 + 5 = 14), the PGIC with its words; valid R4, and ignored (not turned
into diary entries) when the export is imported again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation

from diary.extensions import db
from diary.models import WeeklyCheckin
from tests.factories import login
from tests.imports.test_fhir_import import post_bundle

ANSWERS = {"pi_day_to_day": 4, "pi_work_home": 3, "pi_social": 2, "pi_chores": 5}


def _checkin(app, patient, days_ago: int, promis: dict, pgic: int | None) -> None:
    now = datetime.now(UTC)
    with app.app_context():
        db.session.add(
            WeeklyCheckin(
                id=uuid.uuid4(),
                patient_id=patient.id,
                day=(now - timedelta(days=days_ago)).date(),
                recorded_at=now - timedelta(days=days_ago),
                promis_pi=promis,
                pgic=pgic,
            )
        )
        db.session.commit()


def _answers(bundle: dict) -> list[dict]:
    return [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] in ("promis_pi_4a_raw", "pgic")
    ]


def test_a_weekly_check_in_is_exported_as_its_answers(app, make, client):
    patient = make.patient()
    make.entry(patient, make.days_ago(1), 5)
    _checkin(app, patient, 8, ANSWERS, 3)
    _checkin(app, patient, 1, {"pi_day_to_day": 2}, None)  # one item, no PGIC
    login(client, patient)
    bundle = client.get("/api/v1/me/fhir").get_json()
    Bundle.model_validate(bundle)
    promis, pgic, partial = _answers(bundle)
    for resource in (promis, pgic, partial):
        Observation.model_validate(resource)
        assert resource["category"][0]["coding"][0]["code"] == "survey"
        assert resource["code"]["coding"][0]["system"] == "urn:diary:codes"
    assert promis["effectiveDateTime"] == make.days_ago(8).isoformat()
    assert promis["valueInteger"] == 14
    assert {c["code"]["coding"][0]["code"]: c["valueInteger"] for c in promis["component"]} == (
        ANSWERS
    )
    assert (pgic["valueInteger"], pgic["note"]) == (3, [{"text": "Minimally improved"}])
    assert "valueInteger" not in partial and partial["dataAbsentReason"]["text"].startswith("Not")
    assert len({promis["id"], pgic["id"], partial["id"]}) == 3
    again = client.get("/api/v1/me/fhir").get_json()
    assert [r["id"] for r in _answers(again)] == [r["id"] for r in (promis, pgic, partial)]


def test_the_check_ins_of_an_imported_export_are_ignored(app, make, client):
    patient, other, clinician = make.patient(), make.patient(), make.clinician()
    make.link(clinician, other)
    make.entry(patient, make.days_ago(2), 6)
    _checkin(app, patient, 2, ANSWERS, 2)
    login(client, patient)
    bundle = client.get("/api/v1/me/fhir").get_json()
    token = login(client, clinician)
    report = post_bundle(client, token, other, bundle).get_json()
    # the patient's entry is stored; the Patient, the two answers: ignored
    assert (report["stored"], report["ignored"]) == (1, 3), report
