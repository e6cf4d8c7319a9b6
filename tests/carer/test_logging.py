"""A carer logs for their patient: the diary pages under /diary/for/<id>, the API's
`patient_id`, the owner claim, who entered each entry and revision, and the audit trail."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from diary.extensions import db
from diary.models import AuditEvent, Entry, EntryRevision
from tests.auth.test_login import csrf_from
from tests.factories import login


def _entries(app, patient) -> list[Entry]:
    with app.app_context():
        rows = list(db.session.scalars(select(Entry).where(Entry.patient_id == patient.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def _actions(app, actor) -> list[tuple[str, int | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.action, AuditEvent.patient_id)
            .where(AuditEvent.actor_id == actor.id)
            .order_by(AuditEvent.id)
        )
        return [tuple(row) for row in rows]


def test_a_carer_logs_a_day_on_the_form_and_the_patient_sees_it_marked(app, client, family):
    pat, anna = family["pat"], family["anna"]
    login(client, anna)
    page = client.get(f"/diary/for/{pat.id}")
    assert page.status_code == 200
    assert "How is today for Pat?" in page.text
    assert f'data-patient-id="{pat.id}"' in page.text
    assert f'action="/diary/for/{pat.id}"' in page.text  # the form posts to Pat's diary
    assert "Daily reminder" not in page.text  # the patient's own settings are not offered
    response = client.post(
        f"/diary/for/{pat.id}", data={"pain": "7", "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/diary/for/{pat.id}"
    [entry] = _entries(app, pat)
    assert (entry.pain, entry.entered_by_id) == (7, anna.id)

    history = client.get(f"/diary/for/{pat.id}/history").text
    assert "Logged by Anna (carer)" in history
    assert f"/diary/for/{pat.id}/entries/{entry.id}/edit" in history

    own = app.test_client()
    login(own, pat)
    patient_history = own.get("/diary/history").text
    assert "Logged by Anna (carer)" in patient_history
    assert ("diary.read", pat.id) in _actions(app, anna)
    assert ("entry.create", pat.id) in _actions(app, anna)
    assert ("entries.read", pat.id) in _actions(app, anna)


def test_the_patients_own_entries_carry_no_carer_marker(app, client, family):
    pat = family["pat"]
    login(client, pat)
    page = client.get("/diary")
    client.post("/diary", data={"pain": "3", "csrf_token": csrf_from(page.text)})
    [entry] = _entries(app, pat)
    assert entry.entered_by_id == pat.id
    assert "(carer)" not in client.get("/diary/history").text


def test_the_carers_trends_and_form_errors_are_the_patients(app, client, family):
    pat, anna = family["pat"], family["anna"]
    login(client, anna)
    trends = client.get(f"/diary/for/{pat.id}/trends")
    assert trends.status_code == 200 and "You are logging for" in trends.text
    page = client.get(f"/diary/for/{pat.id}")
    bad = client.post(f"/diary/for/{pat.id}", data={"csrf_token": csrf_from(page.text)})
    assert bad.status_code == 422
    assert "Not saved yet" in bad.text
    assert _entries(app, pat) == []


def test_api_create_with_patient_id_is_scoped_to_the_carers_patients(app, client, family):
    pat, olly, anna = family["pat"], family["olly"], family["anna"]
    token = login(client, anna)
    headers = {"X-CSRFToken": token, "X-Diary-Owner": str(anna.id)}

    missing = client.post("/api/v1/entries", json={"pain": 5}, headers=headers)
    assert missing.status_code == 422
    assert missing.get_json()["errors"]["patient_id"] == [
        "Say whose diary this entry is for: send patient_id, one of the patients you log for."
    ]
    for other in (olly.id, family["cal"].id, anna.id, 999_999, 2**40):
        refused = client.post(
            "/api/v1/entries", json={"pain": 5, "patient_id": other}, headers=headers
        )
        assert refused.status_code == 404, other
        assert refused.get_json()["error"]["message"] == "No patient you log for has this id."
    typed = client.post("/api/v1/entries", json={"pain": 5, "patient_id": "x"}, headers=headers)
    assert typed.status_code == 422
    assert "patient_id" in typed.get_json()["errors"]

    entry_id = str(uuid.uuid4())
    body = {"id": entry_id, "pain": 5, "patient_id": pat.id}
    created = client.post("/api/v1/entries", json=body, headers=headers)
    assert created.status_code == 201
    assert created.get_json()["patient_id"] == pat.id
    assert created.get_json()["entered_by_id"] == anna.id
    replay = client.post("/api/v1/entries", json=body, headers=headers)
    assert replay.status_code == 200
    assert [e.entered_by_id for e in _entries(app, pat)] == [anna.id]
    assert _entries(app, olly) == []

    listed = client.get(f"/api/v1/entries?patient_id={pat.id}")
    assert [e["id"] for e in listed.get_json()] == [entry_id]
    assert client.get(f"/api/v1/entries?patient_id={olly.id}").status_code == 404
    assert client.get("/api/v1/entries").status_code == 422


def test_a_patient_may_name_themself_but_nobody_else(app, client, family):
    pat, olly = family["pat"], family["olly"]
    token = login(client, pat)
    own = client.post(
        "/api/v1/entries", json={"pain": 2, "patient_id": pat.id}, headers={"X-CSRFToken": token}
    )
    assert own.status_code == 201 and own.get_json()["entered_by_id"] == pat.id
    other = client.post(
        "/api/v1/entries", json={"pain": 2, "patient_id": olly.id}, headers={"X-CSRFToken": token}
    )
    assert other.status_code == 404
    assert _entries(app, olly) == []


def test_the_owner_claim_protects_a_carers_outbox_and_a_patients(app, client, family):
    """The outbox's owner is the person who saved the record (the carer); the patient is in the
    body. A carer's record sent under the patient's session, or the patient's under the carer's,
    is refused with owner_mismatch and nothing is stored."""
    pat, anna = family["pat"], family["anna"]
    token = login(client, pat)
    carers_record = client.post(
        "/api/v1/entries",
        json={"pain": 6, "patient_id": pat.id},
        headers={"X-CSRFToken": token, "X-Diary-Owner": str(anna.id)},
    )
    assert carers_record.status_code == 409
    assert carers_record.get_json()["error"]["code"] == "owner_mismatch"

    carer = app.test_client()
    carer_token = login(carer, anna)
    patients_record = carer.post(
        "/api/v1/entries",
        json={"pain": 6, "patient_id": pat.id},
        headers={"X-CSRFToken": carer_token, "X-Diary-Owner": str(pat.id)},
    )
    assert patients_record.status_code == 409
    assert patients_record.get_json()["error"]["code"] == "owner_mismatch"
    assert _entries(app, pat) == []


def test_revisions_record_who_changed_the_entry(app, client, family):
    pat, anna = family["pat"], family["anna"]
    token = login(client, pat)
    created = client.post("/api/v1/entries", json={"pain": 4}, headers={"X-CSRFToken": token})
    family_entry = created.get_json()["id"]
    edited = client.patch(
        f"/api/v1/entries/{family_entry}",
        json={"pain": 5, "version": 1},
        headers={"X-CSRFToken": token},
    )
    assert edited.status_code == 200

    carer = app.test_client()
    login(carer, anna)
    form = carer.get(f"/diary/for/{pat.id}/entries/{family_entry}/edit")
    assert form.status_code == 200
    response = carer.post(
        f"/diary/for/{pat.id}/entries/{family_entry}/edit",
        data={"pain": "8", "version": "2", "csrf_token": csrf_from(form.text)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/diary/for/{pat.id}/history"
    deleted = carer.post(
        f"/diary/for/{pat.id}/entries/{family_entry}/delete",
        data={"csrf_token": csrf_from(form.text)},
    )
    assert deleted.status_code == 302
    with app.app_context():
        revisions = db.session.execute(
            select(EntryRevision.version, EntryRevision.action, EntryRevision.changed_by_id)
            .where(EntryRevision.entry_id == uuid.UUID(family_entry))
            .order_by(EntryRevision.version)
        ).all()
    assert [tuple(r) for r in revisions] == [
        (1, "edit", pat.id),
        (2, "edit", anna.id),
        (3, "delete", anna.id),
    ]
    assert ("entry.write", pat.id) in _actions(app, anna)


def test_a_carer_cannot_change_another_patients_entry_even_through_their_own_patient(
    app, client, family
):
    pat, olly, anna = family["pat"], family["olly"], family["anna"]
    entry = _make_entry(app, olly)
    token = login(client, anna)
    for url in (
        f"/diary/for/{pat.id}/entries/{entry}/edit",
        f"/diary/for/{olly.id}/entries/{entry}/edit",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data={"pain": "1", "csrf_token": token}).status_code == 404
    patch = client.patch(
        f"/api/v1/entries/{entry}", json={"pain": 1, "version": 1}, headers={"X-CSRFToken": token}
    )
    assert patch.status_code == 404
    assert _entries(app, olly)[0].pain == 6


def _make_entry(app, patient) -> uuid.UUID:
    with app.app_context():
        entry = Entry(patient_id=patient.id, day=date.today(), pain=6)
        db.session.add(entry)
        db.session.commit()
        return entry.id
