"""The patient's history page: newest first, edit with a revision, delete with undo."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from diary.extensions import db
from diary.models import Entry, EntryRevision
from tests.factories import login


def _token(client) -> str:
    html = client.get("/diary/history").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_history_lists_own_entries_newest_first(client, make):
    patient = make.patient()
    for days_ago, pain in ((3, 7), (0, 2), (1, 5)):
        make.entry(patient, make.days_ago(days_ago), pain)
    make.entry(make.patient(), make.days_ago(0), 9)
    login(client, patient)
    html = client.get("/diary/history").get_data(as_text=True)
    assert re.findall(r"Pain (\d+) out of 10", html) == ["2", "5", "7"]


def test_a_late_entry_is_marked_as_logged_later(client, make):
    patient = make.patient(timezone="UTC")
    make.entry(patient, make.days_ago(2), 4, recorded_at=datetime.now(UTC))
    login(client, patient)
    assert "Logged later" in client.get("/diary/history").get_data(as_text=True)


def test_edit_form_saves_a_change_and_keeps_the_old_version(app, client, make):
    patient = make.patient()
    entry = make.entry(patient, make.days_ago(1), 6, symptoms=["burning"], note="before")
    login(client, patient)
    form_page = client.get(f"/diary/entries/{entry.id}/edit").get_data(as_text=True)
    assert 'value="6" checked' in form_page and "before</textarea>" in form_page
    response = client.post(
        f"/diary/entries/{entry.id}/edit",
        data={
            "csrf_token": _token(client),
            "version": "1",
            "pain": "3",
            "symptoms": ["burning"],
            "note": "after",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.get(Entry, entry.id)
        assert (stored.pain, stored.note, stored.version) == (3, "after", 2)
        assert stored.day == make.days_ago(1)
        [revision] = db.session.scalars(select(EntryRevision)).all()
        assert revision.content["note"] == "before" and revision.content["pain"] == 6
    assert "Edited" in client.get("/diary/history").get_data(as_text=True)


def test_edit_form_with_a_bad_value_is_refused_with_the_message(app, client, make):
    patient = make.patient()
    entry = make.entry(patient, make.days_ago(1), 6)
    login(client, patient)
    response = client.post(
        f"/diary/entries/{entry.id}/edit",
        data={
            "csrf_token": _token(client),
            "version": "1",
            "pain": "6",
            "day": make.days_ago(-3).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "This day has not happened yet." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Entry, entry.id).version == 1


def test_delete_then_undo_from_the_history_page(app, client, make):
    patient = make.patient()
    entry = make.entry(patient, make.days_ago(1), 6)
    login(client, patient)
    token = _token(client)
    deleted = client.post(f"/diary/entries/{entry.id}/delete", data={"csrf_token": token})
    page = client.get(deleted.headers["Location"]).get_data(as_text=True)
    assert "deleted." in page and ">Undo</button>" in page
    assert "Can be restored until" in page
    with app.app_context():
        assert db.session.get(Entry, entry.id).deleted_at is not None
    assert client.get("/diary").status_code == 200
    client.post(f"/diary/entries/{entry.id}/restore", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Entry, entry.id).deleted_at is None
    assert "Deleted</span>" not in client.get("/diary/history").get_data(as_text=True)


def test_entries_deleted_long_ago_are_gone_from_history(client, make):
    patient = make.patient()
    make.entry(patient, make.days_ago(5), 8, deleted_at=datetime.now(UTC) - timedelta(days=40))
    login(client, patient)
    assert "Pain 8" not in client.get("/diary/history").get_data(as_text=True)


def test_another_patients_entry_cannot_be_edited_or_deleted(app, client, make):
    other = make.entry(make.patient(), make.days_ago(0), 9)
    login(client, make.patient())
    token = _token(client)
    assert client.get(f"/diary/entries/{other.id}/edit").status_code == 404
    assert (
        client.post(f"/diary/entries/{other.id}/delete", data={"csrf_token": token}).status_code
        == 404
    )
    with app.app_context():
        assert db.session.get(Entry, other.id).deleted_at is None


def test_out_of_range_page_numbers_are_harmless(client, make):
    patient = make.patient()
    make.entry(patient, make.days_ago(1), 6)
    login(client, patient)
    for page in ("-5", "0", "abc"):
        response = client.get(f"/diary/history?page={page}")
        assert re.findall(r"Pain (\d+) out of 10", response.get_data(as_text=True)) == ["6"]
    beyond = client.get("/diary/history?page=999999999999999999999")
    assert beyond.status_code == 200
    assert re.findall(r"Pain (\d+) out of 10", beyond.get_data(as_text=True)) == []
