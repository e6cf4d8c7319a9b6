"""The patient's entries over the JSON API: create, replay, edit, delete, undo, refusals."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import AuditEvent, Entry, EntryRevision
from diary.services import entries
from tests.factories import login


def _count(app, model=Entry, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


@pytest.fixture
def patient_client(client, make):
    patient = make.patient()
    token = login(client, patient)
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    client.patient = patient
    return client


def test_create_returns_201_with_the_stored_entry(app, patient_client, make):
    body = {
        "day": make.days_ago(0).isoformat(),
        "pain": 6,
        "pain_worst": 8,
        "symptoms": ["burning", "allodynia"],
        "body_sites": ["right_hand"],
        "sleep_hours": 6.5,
        "medications": ["gabapentin 300 mg"],
        "side_effects": {"nausea": 2, "headache": 0},
        "note": "Bad morning.",
    }
    response = patient_client.post("/api/v1/entries", json=body)
    assert response.status_code == 201, response.get_json()
    entry = response.get_json()
    assert entry["pain"] == 6 and entry["pain_worst"] == 8
    assert entry["symptoms"] == ["burning", "allodynia"]
    assert entry["side_effects"] == {"nausea": 2}  # "none" is not stored
    assert entry["patient_id"] == patient_client.patient.id
    assert response.headers["Location"] == f"/api/v1/entries/{entry['id']}"
    assert patient_client.get(f"/api/v1/entries/{entry['id']}").get_json()["note"] == "Bad morning."


def test_a_medication_line_with_a_semicolon_is_kept_as_the_lines_it_separates(patient_client):
    """A ';' separates medications in the CSV export: "paracetamol; ibuprofen 200 mg" typed on
    one line is stored as the two lines, and the repeated "paracetamol" once."""
    body = {"pain": 4, "medications": ["paracetamol; ibuprofen 200 mg", " paracetamol", ";"]}
    response = patient_client.post("/api/v1/entries", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["medications"] == ["paracetamol", "ibuprofen 200 mg"]


def test_a_day_with_pain_only_defaults_to_today(patient_client, make):
    response = patient_client.post("/api/v1/entries", json={"pain": 3})
    assert response.status_code == 201
    assert response.get_json()["day"] in {
        make.days_ago(0).isoformat(),
        make.days_ago(1).isoformat(),
    }


def test_replay_with_the_same_id_returns_200_and_stores_one_row(app, patient_client, make):
    entry_id = str(uuid.uuid4())
    first = patient_client.post("/api/v1/entries", json={"id": entry_id, "pain": 4})
    again = patient_client.post("/api/v1/entries", json={"id": entry_id, "pain": 4})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert _count(app, id=uuid.UUID(entry_id)) == 1


def test_concurrent_replays_store_one_row(app, make):
    patient = make.patient()
    entry_id = uuid.uuid4()
    barrier = threading.Barrier(6)
    results: list[bool] = []
    failures: list[BaseException] = []

    def send() -> None:
        with app.app_context():
            try:
                from diary.models import User

                user = db.session.get(User, patient.id)
                barrier.wait()
                saved = entries.create_entry(user, {"id": entry_id, "pain": 5})
                results.append(saved.created)
            except BaseException as exc:  # reported below
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(results) == [False] * 5 + [True]
    assert _count(app, id=entry_id) == 1


def test_concurrent_replays_over_http_answer_one_201_and_200s(app, make):
    patient = make.patient()
    entry_id = str(uuid.uuid4())
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def send() -> None:
        client = app.test_client()
        token = login(client, patient)
        barrier.wait()
        response = client.post(
            "/api/v1/entries",
            json={"id": entry_id, "pain": 2},
            headers={"X-CSRFToken": token},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    assert _count(app, id=uuid.UUID(entry_id)) == 1


def test_an_id_used_by_another_patient_is_a_conflict_not_their_entry(patient_client, make):
    other = make.entry(make.patient(), make.days_ago(0), 9, note="private")
    response = patient_client.post("/api/v1/entries", json={"id": str(other.id), "pain": 1})
    assert response.status_code == 409
    assert "private" not in response.get_data(as_text=True)


def test_client_recorded_at_is_kept_when_believable(patient_client, make):
    written = (datetime.now(UTC) - timedelta(hours=30)).replace(microsecond=0)
    response = patient_client.post(
        "/api/v1/entries",
        json={"day": make.days_ago(1).isoformat(), "pain": 5, "recorded_at": written.isoformat()},
    )
    assert datetime.fromisoformat(response.get_json()["recorded_at"]) == written


@pytest.mark.parametrize("shift", [timedelta(hours=2), -timedelta(days=20)])
def test_client_recorded_at_in_the_future_or_long_ago_gives_way_to_server_time(
    patient_client, shift
):
    claimed = datetime.now(UTC) + shift
    response = patient_client.post(
        "/api/v1/entries", json={"pain": 5, "recorded_at": claimed.isoformat()}
    )
    assert response.status_code == 201
    stored = datetime.fromisoformat(response.get_json()["recorded_at"])
    assert abs(stored - datetime.now(UTC)) < timedelta(minutes=1)


def _errors(response) -> dict:
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"]["code"] == "validation_failed"
    return body["errors"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({}, "pain", "from 0 to 10"),
        ({"pain": 11}, "pain", "from 0 to 10"),
        ({"pain": -1}, "pain", "from 0 to 10"),
        ({"pain": "7"}, "pain", "from 0 to 10"),
        ({"pain": 4.5}, "pain", "from 0 to 10"),
        ({"pain": 4, "mood": 12}, "mood", "from 0 to 10"),
        ({"pain": 4, "sleep_hours": 25}, "sleep_hours", "0 to 24"),
        ({"pain": 4, "symptoms": ["burning", "itchy"]}, "symptoms", "itchy"),
        ({"pain": 4, "body_sites": ["left_tail"]}, "body_sites", "left_tail"),
        ({"pain": 4, "side_effects": {"giddiness": 2}}, "side_effects", "giddiness"),
        ({"pain": 4, "side_effects": {"nausea": 5}}, "side_effects", "very severe"),
        ({"pain": 4, "note": "x" * 2001}, "note", "2000"),
        ({"pain": 4, "day": "2024-02-30"}, "day", "YYYY-MM-DD"),
        ({"pain": 4, "colour": "blue"}, "colour", "Unknown field"),
        ({"pain": 4, "id": "not-a-uuid"}, "id", "UUID"),
        ({"pain": 4, "pain_worst": 3, "pain_least": 6}, "pain_least", "worst"),
    ],
)
def test_bad_input_is_refused_with_a_message_for_the_field(app, patient_client, body, field, words):
    errors = _errors(patient_client.post("/api/v1/entries", json=body))
    assert field in errors
    assert words.lower() in " ".join(errors[field]).lower()
    assert _count(app) == 0


def test_days_in_the_future_or_far_past_are_refused(patient_client, make):
    future = _errors(
        patient_client.post(
            "/api/v1/entries", json={"pain": 4, "day": make.days_ago(-2).isoformat()}
        )
    )
    past = _errors(
        patient_client.post(
            "/api/v1/entries", json={"pain": 4, "day": make.days_ago(200).isoformat()}
        )
    )
    assert "not happened" in future["day"][0]
    assert "last 30 days" in past["day"][0]


def test_non_json_body_is_refused(patient_client):
    response = patient_client.post("/api/v1/entries", data="pain=4")
    assert response.status_code == 422
    assert "JSON" in response.get_json()["error"]["message"]


def test_edit_keeps_the_previous_version_as_a_revision(app, patient_client, make):
    entry = make.entry(patient_client.patient, make.days_ago(1), 7, note="first")
    response = patient_client.patch(
        f"/api/v1/entries/{entry.id}", json={"pain": 4, "note": None, "version": 1}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["pain"], body["note"], body["version"]) == (4, None, 2)
    with app.app_context():
        revision = db.session.scalars(select(EntryRevision)).one()
        assert (revision.action, revision.version) == ("edit", 1)
        assert revision.content["pain"] == 7 and revision.content["note"] == "first"


def test_edit_with_bad_values_changes_nothing(app, patient_client, make):
    entry = make.entry(patient_client.patient, make.days_ago(0), 7)
    errors = _errors(
        patient_client.patch(f"/api/v1/entries/{entry.id}", json={"pain": None, "version": 1})
    )
    assert "pain" in errors
    assert patient_client.get(f"/api/v1/entries/{entry.id}").get_json()["version"] == 1
    assert _count(app, EntryRevision) == 0


def test_delete_is_soft_and_undo_restores(app, patient_client, make):
    entry = make.entry(patient_client.patient, make.days_ago(2), 6)
    assert patient_client.delete(f"/api/v1/entries/{entry.id}").status_code == 204
    listed = patient_client.get("/api/v1/entries").get_json()
    assert listed == []
    assert patient_client.get(f"/api/v1/entries/{entry.id}").get_json()["deleted_at"]
    restored = patient_client.post(f"/api/v1/entries/{entry.id}/restore")
    assert restored.status_code == 200
    assert restored.get_json()["deleted_at"] is None
    assert [e["id"] for e in patient_client.get("/api/v1/entries").get_json()] == [str(entry.id)]
    with app.app_context():
        actions = db.session.scalars(select(EntryRevision.action).order_by(EntryRevision.id))
        assert list(actions) == ["delete", "restore"]


def test_undo_is_refused_after_30_days(patient_client, make):
    long_ago = datetime.now(UTC) - timedelta(days=31)
    entry = make.entry(patient_client.patient, make.days_ago(5), 6, deleted_at=long_ago)
    response = patient_client.post(f"/api/v1/entries/{entry.id}/restore")
    assert response.status_code == 409
    assert "30 days" in response.get_json()["error"]["message"]


def test_another_patients_entry_is_not_found_for_every_method(app, patient_client, make):
    other = make.entry(make.patient(), make.days_ago(0), 9)
    url = f"/api/v1/entries/{other.id}"
    assert patient_client.get(url).status_code == 404
    assert patient_client.patch(url, json={"pain": 1}).status_code == 404
    assert patient_client.delete(url).status_code == 404
    assert patient_client.post(url + "/restore").status_code == 404
    with app.app_context():
        stored = db.session.get(Entry, other.id)
        assert (stored.pain, stored.deleted_at) == (9, None)


def test_list_is_own_entries_oldest_first_in_range(patient_client, make):
    mine = patient_client.patient
    for days_ago in (3, 1, 2):
        make.entry(mine, make.days_ago(days_ago), days_ago)
    make.entry(make.patient(), make.days_ago(1), 9)
    since = make.days_ago(2).isoformat()
    body = patient_client.get(f"/api/v1/entries?from={since}").get_json()
    assert [e["pain"] for e in body] == [2, 1]


def test_own_reads_and_changes_are_not_audited(app, patient_client, make):
    entry = make.entry(patient_client.patient, make.days_ago(0), 3)
    patient_client.get(f"/api/v1/entries/{entry.id}")
    assert (
        patient_client.patch(f"/api/v1/entries/{entry.id}", json={"pain": 2, "version": 1})
    ).status_code == 200
    assert _count(app, AuditEvent) == 1  # the sign-in only


def test_writes_need_the_csrf_token(client, make):
    login(client, make.patient())
    assert client.post("/api/v1/entries", json={"pain": 3}).status_code == 400


def test_creating_an_entry_takes_two_statements_and_bumps_the_data_version(
    app, patient_client, count_queries
):
    """The hot path: the user by primary key and the INSERT (the database's trigger raises the
    data version), nothing read back (the answer is built from what was written). Then 5
    entries make version 5."""
    with count_queries() as counter:
        response = patient_client.post("/api/v1/entries", json={"pain": 3, "note": "walk"})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["pain"], body["note"], body["deleted_at"]) == (3, "walk", None)
    selects = [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]
    writes = [s.split()[0].upper() for s in counter.statements if s not in selects]
    assert len(selects) == 1, counter.statements  # the signed-in user
    assert [w for w in writes if w in ("INSERT", "UPDATE", "DELETE")] == ["INSERT"]
    for _ in range(4):
        assert patient_client.post("/api/v1/entries", json={"pain": 3}).status_code == 201
    with app.app_context():
        from diary.models import User

        assert db.session.get(User, patient_client.patient.id).data_version == 5
