"""FHIR in: a Bundle of pain Observations (LOINC 72514-3) from another system, or the diary's
own export, mapped to entries by the same rules and report as a CSV."""

from __future__ import annotations

from sqlalchemy import select

from diary.extensions import db
from diary.models import Entry
from tests.factories import login


def post_bundle(client, token, patient, bundle, *, all_or_nothing=False):
    return client.post(
        f"/api/v1/patients/{patient.id}/imports/fhir",
        json={"bundle": bundle, "all_or_nothing": all_or_nothing},
        headers={"X-CSRFToken": token},
    )


def pain_observation(effective: str, value, **extra) -> dict:
    return {
        "fullUrl": f"urn:uuid:{extra.pop('uuid', '')}" if "uuid" in extra else None,
        "resource": {
            "resourceType": "Observation",
            "status": extra.pop("status", "final"),
            "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
            "effectiveDateTime": effective,
            **({"valueInteger": value} if isinstance(value, int) else {"valueQuantity": value}),
            **extra,
        },
    }


def _stored(app, patient) -> list[tuple[str, int]]:
    with app.app_context():
        return [
            (day.isoformat(), pain)
            for day, pain in db.session.execute(
                select(Entry.day, Entry.pain)
                .where(Entry.patient_id == patient.id)
                .order_by(Entry.day, Entry.pain)
            )
        ]


def test_fhir_export_imported_back_gives_the_same_pain_scores_and_days(app, client, make):
    source, target, clinician = make.patient(), make.patient(), make.clinician()
    make.link(clinician, target)
    for days_ago, pain, extra in (
        (9, 8, {"pain_worst": 9, "mood": 2, "note": "flare"}),
        (4, 5, {"symptoms": ["burning"], "body_sites": ["left_foot"]}),
        (4, 3, {}),
        (2, 0, {"sleep_hours": 7.5}),
    ):
        make.entry(source, make.days_ago(days_ago), pain, **extra)
    make.infusion(source, clinician, make.days_ago(6), dose_mg=50)  # not an Observation
    login(client, source)
    bundle = client.get("/api/v1/me/fhir").get_json()
    token = login(client, clinician)
    response = post_bundle(client, token, target, bundle)
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["rows"], report["stored"], report["ignored"]) == (4, 4, 2)  # Patient, infusion
    assert _stored(app, target) == _stored(app, source)
    with app.app_context():
        flare = db.session.scalar(
            select(Entry).where(Entry.patient_id == target.id, Entry.pain == 8)
        )
        assert (flare.pain_worst, flare.mood, flare.note, flare.imported) == (9, 2, "flare", True)
    again = post_bundle(client, token, target, bundle).get_json()
    assert (again["stored"], again["skipped"]) == (0, 4)


def test_another_systems_bundle_is_read_and_its_bad_observations_reported(app, client, make):
    patient, clinician = make.patient(timezone="Europe/London"), make.clinician()
    make.link(clinician, patient)
    day = make.days_ago(3)
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p1"}},
            pain_observation(f"{day.isoformat()}T23:30:00-05:00", 6, id="obs-1"),  # next day here
            pain_observation(day.isoformat(), {"value": 4.0, "unit": "{score}"}, id="obs-2"),
            pain_observation(day.isoformat(), 12, id="obs-3"),
            pain_observation(day.isoformat(), 5, id="obs-4", status="entered-in-error"),
            pain_observation(day.isoformat(), "seven", id="obs-5"),
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                    "valueQuantity": {"value": 72},
                }
            },
        ],
    }
    for item in bundle["entry"]:
        item.pop("fullUrl", None)
    token = login(client, clinician)
    report = post_bundle(client, token, patient, bundle).get_json()
    assert report["rejected"][0] == {
        "line": 4,
        "column": "valueInteger",
        "reason": "Choose your pain now, from 0 to 10.",
    }
    assert report["rejected"][1]["line"] == 5 and report["rejected"][1]["column"] == "status"
    assert report["rejected"][2]["line"] == 6  # "seven" is not a FHIR integer
    assert report["rejected_lines"] == [4, 5, 6]
    assert (report["rows"], report["stored"], report["ignored"]) == (5, 2, 2)
    next_day = day.fromordinal(day.toordinal() + 1).isoformat()
    assert _stored(app, patient) == [(day.isoformat(), 4), (next_day, 6)]

    none = post_bundle(client, token, make.patient(), bundle, all_or_nothing=True)
    assert none.status_code == 404  # not linked
    response = post_bundle(client, token, patient, bundle, all_or_nothing=True)
    assert response.status_code == 422
    assert sorted(response.get_json()["errors"]) == [
        "line 4, valueInteger",
        "line 5, status",
        "line 6, Observation",
    ]


def test_what_is_not_a_bundle_is_refused_as_a_whole(app, client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    token = login(client, clinician)
    for bundle in (
        {"resourceType": "Patient"},
        {"resourceType": "Bundle"},  # type is required
        {"resourceType": "Bundle", "type": "collection", "entry": "x"},
    ):
        response = post_bundle(client, token, patient, bundle)
        assert response.status_code == 422, bundle
        assert "file" in response.get_json()["errors"]
    assert _stored(app, patient) == []
