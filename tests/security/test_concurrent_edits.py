"""No lost updates: an entry edit says which version it was made from; a stale one is refused
with 409 and the current entry, and two revisions can never share a version number."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from diary.extensions import db
from diary.models import Entry, EntryRevision, utcnow
from tests.auth.test_login import csrf_from
from tests.factories import login


def _revision_versions(app, entry_id) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(EntryRevision.version)
                .where(EntryRevision.entry_id == entry_id)
                .order_by(EntryRevision.version)
            )
        )


def test_twenty_simultaneous_edits_of_one_version_store_exactly_one(app, client, make):
    patient = make.patient()
    entry = make.entry(patient, make.days_ago(1), 5)
    token = login(client, patient)
    cookie = client.get_cookie("session").value
    barrier = threading.Barrier(20)
    results: list[tuple[int, dict]] = []

    def edit(pain: int) -> None:
        own = app.test_client()
        own.set_cookie("session", cookie)
        barrier.wait()
        response = own.patch(
            f"/api/v1/entries/{entry.id}",
            json={"pain": pain, "version": 1},
            headers={"X-CSRFToken": token},
        )
        results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=edit, args=(n % 10,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(status for status, _ in results)
    # pain 5 -> 5 (n = 5, 15) changes nothing and answers 200 without a revision; at most one
    # real change wins, every other edit is told about it.
    winners = [body for status, body in results if status == 200 and body["version"] == 2]
    assert len(winners) == 1, statuses
    assert set(statuses) <= {200, 409}
    conflicts = [body for status, body in results if status == 409]
    assert len(conflicts) >= 17
    for body in conflicts:
        assert body["error"]["code"] == "version_conflict"
        assert body["current"]["id"] == str(entry.id) and body["current"]["version"] >= 2
    assert _revision_versions(app, entry.id) == [1]
    with app.app_context():
        stored = db.session.get(Entry, entry.id)
        assert (stored.version, stored.pain) == (2, winners[0]["pain"])


def test_stale_version_gets_409_with_the_current_entry(app, client, make):
    patient = make.patient()
    entry = make.entry(patient, make.days_ago(1), 5, note="phone")
    token = login(client, patient)
    url = f"/api/v1/entries/{entry.id}"
    first = client.patch(url, json={"note": "laptop", "version": 1}, headers={"X-CSRFToken": token})
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    stale = client.patch(
        url, json={"note": "phone again", "version": 1}, headers={"X-CSRFToken": token}
    )
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["error"]["code"] == "version_conflict"
    assert (body["current"]["note"], body["current"]["version"]) == ("laptop", 2)
    assert client.get(url).get_json()["note"] == "laptop"
    assert _revision_versions(app, entry.id) == [1]


def test_if_match_works_like_the_version_field(client, make):
    patient = make.patient()
    entry = make.entry(patient, make.days_ago(1), 5)
    token = login(client, patient)
    url = f"/api/v1/entries/{entry.id}"
    etag = client.get(url).headers["ETag"]
    assert etag == '"1"'
    ok = client.patch(url, json={"pain": 3}, headers={"X-CSRFToken": token, "If-Match": etag})
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'
    stale = client.patch(url, json={"pain": 4}, headers={"X-CSRFToken": token, "If-Match": etag})
    assert stale.status_code == 409 and stale.get_json()["current"]["pain"] == 3


def test_an_edit_without_a_version_is_428_and_changes_nothing(client, make):
    patient = make.patient()
    entry = make.entry(patient, make.days_ago(1), 5)
    token = login(client, patient)
    url = f"/api/v1/entries/{entry.id}"
    response = client.patch(url, json={"pain": 3}, headers={"X-CSRFToken": token})
    assert response.status_code == 428
    assert response.get_json()["error"]["code"] == "version_required"
    assert client.get(url).get_json()["pain"] == 5


def test_edit_form_from_an_old_version_shows_the_current_entry(app, client, make):
    patient = make.patient()
    entry = make.entry(patient, make.days_ago(1), 6, note="from the phone")
    token = login(client, patient)
    page = client.get(f"/diary/entries/{entry.id}/edit").get_data(as_text=True)
    assert 'name="version" value="1"' in page
    client.patch(  # meanwhile, the phone's edit arrives
        f"/api/v1/entries/{entry.id}",
        json={"note": "edited on the phone", "version": 1},
        headers={"X-CSRFToken": token},
    )
    response = client.post(
        f"/diary/entries/{entry.id}/edit",
        data={"csrf_token": csrf_from(page), "version": "1", "pain": "2", "note": "laptop"},
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "changed elsewhere" in body and "edited on the phone</textarea>" in body
    assert 'name="version" value="2"' in body
    with app.app_context():
        assert db.session.get(Entry, entry.id).note == "edited on the phone"


def test_two_revisions_of_one_version_cannot_be_stored(app, make):
    patient = make.patient()
    entry = make.entry(patient, make.days_ago(1), 6)
    with app.app_context():
        for _ in range(2):
            db.session.add(
                EntryRevision(
                    entry_id=entry.id,
                    version=1,
                    content={},
                    action="edit",
                    changed_by_id=patient.id,
                    changed_at=utcnow(),
                )
            )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_openapi_documents_the_conflict(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    patch = spec["paths"]["/entries/{entry_id}"]["patch"]
    conflict = patch["responses"]["409"]["content"]["application/json"]["schema"]
    name = conflict["$ref"].rsplit("/", 1)[1]
    schema = spec["components"]["schemas"][name]
    assert set(schema["required"]) == {"error", "current"}
    assert "428" in patch["responses"]
    request = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "version" in spec["components"]["schemas"][request.rsplit("/", 1)[1]]["properties"]
