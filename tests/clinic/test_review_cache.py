"""The review is computed once per patient data version and shared by every worker through
Redis; a change to the patient's diary reaches every worker's next review at once."""

from __future__ import annotations

import uuid

import pytest
import redis

from config import TestingConfig
from diary import create_app
from diary.extensions import db
from diary.models import User
from diary.services import review
from tests.clinic.charts_html import read_chart
from tests.factories import login

REDIS_URL = "redis://127.0.0.1:6379/14"


def _pain_today(client, patient_id: int) -> float | None:
    """Today's pain on the review: the page, then its charts request, as the browser does."""
    assert client.get(f"/clinic/patients/{patient_id}").status_code == 200
    charts = client.get(f"/api/v1/patients/{patient_id}/review/charts?range=90")
    assert charts.status_code == 200
    body = charts.get_json()
    pain = read_chart(body["charts"]["pain"])["series"]["Pain now (daily mean)"]
    return dict(zip(pain["x"], pain["y"], strict=True)).get(body["end"])


@pytest.fixture
def computed(monkeypatch):
    """Counts the reviews actually computed (not served from the cache)."""
    calls = []
    real = review.review_page

    def counting(*args, **kwargs):
        calls.append(args[0].id)
        return real(*args, **kwargs)

    monkeypatch.setattr(review, "review_page", counting)
    return calls


def test_review_is_computed_once_until_the_diary_changes(app, client, make, computed):
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    make.entry(patient, make.days_ago(0), 3)
    login(client, clinician)
    assert _pain_today(client, patient.id) == _pain_today(client, patient.id) == 3.0
    assert computed == [patient.id]  # the second view came from the cache
    other_range = client.get(f"/clinic/patients/{patient.id}?range=30")
    assert other_range.status_code == 200 and len(computed) == 2  # its own entry

    own = app.test_client()
    token = login(own, patient)
    saved = own.post("/api/v1/entries", json={"pain": 9}, headers={"X-CSRFToken": token})
    assert saved.status_code == 201
    assert _pain_today(client, patient.id) == 6.0  # (3 + 9) / 2, computed again at once
    assert len(computed) == 3
    with app.app_context():
        assert db.session.get(User, patient.id).data_version >= 2


def test_a_new_infusion_also_moves_the_review_on(app, client, make, computed):
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    make.entry(patient, make.days_ago(0), 3)
    token = login(client, clinician)
    assert client.get(f"/clinic/patients/{patient.id}?range=all").status_code == 200
    assert computed == [patient.id]
    created = client.post(
        f"/api/v1/patients/{patient.id}/infusions",
        json={"started_at": "2026-01-10T09:00:00+00:00", "dose_mg": 50},
        headers={"X-CSRFToken": token},
    )
    assert created.status_code == 201, created.get_json()
    html = client.get(f"/clinic/patients/{patient.id}?range=all").text
    assert "10 Jan 2026" in html
    assert len(computed) == 2


def _instance(database_url: str, prefix: str):
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.REDIS_URL = REDIS_URL
    config.CACHE_KEY_PREFIX = prefix
    config.RATELIMIT_KEY_PREFIX = prefix
    return create_app(config)


def test_two_app_instances_share_the_review_cache_and_never_serve_a_stale_one(
    app, database_url, make, computed
):
    """Two app instances (two workers or machines) on the test database and one Redis: a
    review computed by one is served by the other; an entry saved through the first is on the
    second's review at the next request."""
    prefix = f"test-review-{uuid.uuid4().hex}:"
    store = redis.Redis.from_url(REDIS_URL)
    first, second = _instance(database_url, prefix), _instance(database_url, prefix)
    try:
        clinician, patient = make.clinician(), make.patient(timezone="UTC")
        make.link(clinician, patient)
        make.entry(patient, make.days_ago(0), 2)
        one, two = first.test_client(), second.test_client()
        login(one, clinician)
        login(two, clinician)
        assert _pain_today(one, patient.id) == 2.0
        assert store.keys(f"{prefix}*"), "the review is kept in Redis"
        assert _pain_today(two, patient.id) == 2.0
        assert computed == [patient.id]  # the second instance used the first one's work

        phone = first.test_client()
        token = login(phone, patient)
        saved = phone.post("/api/v1/entries", json={"pain": 8}, headers={"X-CSRFToken": token})
        assert saved.status_code == 201
        assert _pain_today(two, patient.id) == 5.0
        assert len(computed) == 2
    finally:
        for key in store.scan_iter(f"{prefix}*"):
            store.delete(key)
        for instance in (first, second):
            with instance.app_context():
                db.engine.dispose()
