"""FHIR conformance of the export, as an independent validator would check it: references that
resolve inside the Bundle, the patient as performer, body sites with their side, one resource
per entry, and a streamed response."""

from __future__ import annotations

import json

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation

from tests.factories import login


def _references(node, found: list[str]) -> list[str]:
    """Every `reference` string anywhere in a resource."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                found.append(value)
            else:
                _references(value, found)
    elif isinstance(node, list):
        for value in node:
            _references(value, found)
    return found


def _world(make):
    patient, clinician = make.patient(display_name="Ada Example"), make.clinician()
    make.entry(
        patient,
        make.days_ago(2),
        6,
        pain_worst=8,
        symptoms=["swelling", "burning"],
        body_sites=["right_hand", "left_foot", "other"],
        body_site_other="jaw",
        side_effects={"nausea": 2},
        medications=["gabapentin 300 mg"],
        sleep_hours=6.5,
        note="Bad night",
    )
    make.entry(patient, make.days_ago(1), 3)
    make.infusion(patient, clinician, make.days_ago(5), duration_minutes=240, dose_mg=67.2)
    return patient


def test_every_reference_resolves_to_an_entry_of_the_bundle(client, make):
    login(client, _world(make))
    document = client.get("/api/v1/me/fhir").get_json()
    Bundle.model_validate(document)
    full_urls = [e["fullUrl"] for e in document["entry"]]
    assert all(url.startswith("urn:uuid:") for url in full_urls)
    assert len(set(full_urls)) == len(full_urls)
    references = _references(document["entry"], [])
    # subject of 2 observations + 1 administration, performer of 2 observations
    assert len(references) == 5
    assert set(references) <= set(full_urls), set(references) - set(full_urls)
    for entry in document["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"


def test_patient_reported_observations_name_the_patient_as_performer(client, make):
    login(client, _world(make))
    document = client.get("/api/v1/me/fhir").get_json()
    patient_url = next(
        e["fullUrl"] for e in document["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    observations = [
        e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    assert len(observations) == 2
    for observation in observations:
        Observation.model_validate(observation)
        assert [p["reference"] for p in observation["performer"]] == [patient_url]
        assert observation["subject"]["reference"] == patient_url


def test_body_sites_keep_their_side_in_snomed(client, make):
    login(client, _world(make))
    document = client.get("/api/v1/me/fhir").get_json()
    observation = next(
        e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "Observation"
    )
    sites = [
        c["valueCodeableConcept"]
        for c in observation["component"]
        if c["code"]["coding"][0]["code"] == "body_site"
    ]
    snomed = {s["text"]: s["coding"][0] for s in sites}
    # hand 85562004, foot 56459004; laterality 272741003 = right 24028007 / left 7771000
    assert snomed["Right hand"] == {
        "system": "http://snomed.info/sct",
        "code": "85562004:272741003=24028007",
        "display": "Right hand",
    }
    assert snomed["Left foot"]["code"] == "56459004:272741003=7771000"
    assert snomed["Other: jaw"]["system"] == "urn:diary:codes"  # no SNOMED for free text


def test_a_days_answers_are_one_observation_with_components(client, make):
    login(client, _world(make))
    document = client.get("/api/v1/me/fhir").get_json()
    kinds = [e["resource"]["resourceType"] for e in document["entry"]]
    assert kinds == ["Patient", "Observation", "Observation", "MedicationAdministration"]
    first = document["entry"][1]["resource"]
    codes = [c["code"]["coding"][0]["code"] for c in first["component"]]
    assert codes == [  # in the order of the measure registry
        "72514-3",
        "pain_worst",
        "swelling",
        "burning",
        "body_site",
        "body_site",
        "body_site",
        "body_site_other",
        "sleep_hours",
        "medication",
        "nausea",
    ]
    assert first["note"] == [{"text": "Bad night"}]
    assert first["effectiveDateTime"] == document["entry"][1]["resource"]["effectiveDateTime"]


def test_the_export_is_streamed(client, make):
    patient = _world(make)
    login(client, patient)
    response = client.get("/api/v1/me/fhir", buffered=False)
    assert response.is_streamed
    pieces = list(response.response)
    assert len(pieces) >= 4  # head, patient, each entry, ... written one by one
    document = json.loads(b"".join(p if isinstance(p, bytes) else p.encode() for p in pieces))
    assert document["resourceType"] == "Bundle" and len(document["entry"]) == 4
    response.close()
