"""The outbox's owner claim (X-Diary-Owner): an entry saved on a shared phone by one patient is
never stored under another patient's session."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from diary.api.openapi import build_spec
from diary.extensions import db
from diary.models import Entry
from tests.factories import login


def _stored(app, patient) -> int:
    with app.app_context():
        query = select(func.count()).select_from(Entry).where(Entry.patient_id == patient.id)
        return db.session.scalar(query)


def test_a_send_claiming_another_owner_is_refused_with_owner_mismatch(app, client, make):
    """B is signed in; A's waiting entry arrives with X-Diary-Owner = A: 409 owner_mismatch and
    nothing stored, under B or anyone."""
    a, b = make.patient(), make.patient()
    token = login(client, b)
    response = client.post(
        "/api/v1/entries",
        json={"id": str(uuid.uuid4()), "pain": 6},
        headers={"X-CSRFToken": token, "X-Diary-Owner": str(a.id)},
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "owner_mismatch"
    assert (_stored(app, a), _stored(app, b)) == (0, 0)


def test_a_send_claiming_the_signed_in_owner_is_stored(app, client, make):
    patient = make.patient()
    token = login(client, patient)
    response = client.post(
        "/api/v1/entries",
        json={"id": str(uuid.uuid4()), "pain": 6},
        headers={"X-CSRFToken": token, "X-Diary-Owner": str(patient.id)},
    )
    assert response.status_code == 201
    assert _stored(app, patient) == 1


def test_a_replay_of_an_id_another_patient_used_keeps_its_own_conflict_code(app, client, make):
    """The older 409 (the id belongs to someone else's entry) stays `conflict`: the outbox
    shows the two differently."""
    other = make.entry(make.patient(), make.days_ago(0), 9)
    patient = make.patient()
    token = login(client, patient)
    response = client.post(
        "/api/v1/entries",
        json={"id": str(other.id), "pain": 1},
        headers={"X-CSRFToken": token, "X-Diary-Owner": str(patient.id)},
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def test_the_owner_header_is_in_the_openapi_document(app):
    with app.test_request_context():
        spec = build_spec(app)
    parameters = spec["paths"]["/entries"]["post"]["parameters"]
    [owner] = [p for p in parameters if p["name"] == "X-Diary-Owner"]
    assert owner["in"] == "header" and "owner_mismatch" in owner["description"]
