"""The database unreachable (PostgreSQL behind a cut connection; SQLite locked by another
writer): 503 with a clear message, nothing half-written, and the same running app recovers."""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from config import TestingConfig
from diary import create_app
from diary.errors import DATABASE_UNAVAILABLE
from diary.extensions import db
from diary.models import Entry, EntryRevision
from tests.factories import login


class Fault:
    """Makes the database unavailable to `app` and available again, per dialect."""

    def __init__(self, database_url: str, proxy=None):
        self.database_url = database_url
        self.proxy = proxy
        self._lock: sqlite3.Connection | None = None

    def down(self) -> None:
        if self.proxy is not None:
            self.proxy.cut()
        else:  # another writer holds the only write lock: every write of the app waits, fails
            self._lock = sqlite3.connect(make_url(self.database_url).database, timeout=5)
            self._lock.execute("BEGIN EXCLUSIVE")

    def up(self) -> None:
        if self.proxy is not None:
            self.proxy.restore()
        elif self._lock is not None:
            self._lock.rollback()
            self._lock.close()
            self._lock = None


@pytest.fixture
def faulty(app, database_url, request):
    """An app on the test database whose connection to it can fail; and its Fault."""
    config = TestingConfig()
    config.SQLITE_BUSY_TIMEOUT_MS = 300
    if make_url(database_url).get_backend_name() == "postgresql":
        proxy, url = request.getfixturevalue("pg_proxy")
        config.SQLALCHEMY_DATABASE_URI = url
        fault = Fault(database_url, proxy)
    else:
        config.SQLALCHEMY_DATABASE_URI = database_url
        fault = Fault(database_url)
    broken = create_app(config)
    yield broken, fault
    fault.up()
    with broken.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def down_at_commit(app, fault):
    """The database goes away just before the next COMMIT: the transaction's statements were
    sent, the commit cannot be."""

    def cut(_session):
        fault.down()

    with app.app_context():
        session_class = db.session.session_factory.class_
    event.listen(session_class, "before_commit", cut, once=True)
    try:
        yield
    finally:
        if event.contains(session_class, "before_commit", cut):
            event.remove(session_class, "before_commit", cut)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_api_write_answers_503_then_works_again_without_a_restart(app, make, faulty):
    broken, fault = faulty
    patient = make.patient()
    client = broken.test_client()
    token = login(client, patient)
    body = {"id": str(uuid.uuid4()), "pain": 6}

    fault.down()
    response = client.post("/api/v1/entries", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 503
    assert response.get_json()["error"] == {
        "code": "database_unavailable",
        "message": DATABASE_UNAVAILABLE,
    }
    assert response.headers["Retry-After"] == "30"
    fault.up()

    assert _count(app, Entry) == 0
    again = client.post("/api/v1/entries", json=body, headers={"X-CSRFToken": token})
    assert again.status_code == 201  # the outbox's resend of the same id
    assert (
        client.post("/api/v1/entries", json=body, headers={"X-CSRFToken": token}).status_code == 200
    )
    assert _count(app, Entry) == 1


def test_a_page_answers_503_with_a_readable_message(app, make, faulty, database_url):
    broken, fault = faulty
    patient = make.patient()
    client = broken.test_client()
    token = login(client, patient)
    fault.down()
    if fault.proxy is not None:
        page = client.get("/diary")  # even reading needs the database
    else:
        page = client.post("/diary", data={"csrf_token": token, "pain": "4"})
    fault.up()
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "cannot reach its database" in page.get_data(as_text=True)
    assert client.get("/diary").status_code == 200
    assert _count(app, Entry) == 0


def test_an_edit_cut_at_commit_leaves_no_half(app, make, faulty):
    broken, fault = faulty
    patient = make.patient()
    entry = make.entry(patient, make.days_ago(1), 5, note="before")
    client = broken.test_client()
    token = login(client, patient)
    url = f"/api/v1/entries/{entry.id}"
    with down_at_commit(broken, fault):
        response = client.patch(
            url, json={"note": "after", "version": 1}, headers={"X-CSRFToken": token}
        )
    fault.up()
    assert response.status_code == 503
    with app.app_context():
        stored = db.session.get(Entry, entry.id)
        assert (stored.note, stored.version) == ("before", 1)
    assert _count(app, EntryRevision) == 0
    retry = client.patch(url, json={"note": "after", "version": 1}, headers={"X-CSRFToken": token})
    assert retry.status_code == 200 and retry.get_json()["version"] == 2
    assert _count(app, EntryRevision) == 1


def test_a_new_entry_cut_at_commit_is_not_stored_and_its_resend_is(app, make, faulty):
    broken, fault = faulty
    patient = make.patient()
    client = broken.test_client()
    token = login(client, patient)
    body = {"id": str(uuid.uuid4()), "pain": 3, "note": "sent while the database fell over"}
    with down_at_commit(broken, fault):
        response = client.post("/api/v1/entries", json=body, headers={"X-CSRFToken": token})
    fault.up()
    assert response.status_code == 503
    assert _count(app, Entry) == 0
    assert (
        client.post("/api/v1/entries", json=body, headers={"X-CSRFToken": token}).status_code == 201
    )
    assert _count(app, Entry) == 1
