"""The review is computed once per patient data version and shared by every worker through
Redis; a change to the patient's diary reaches every worker's next review at once."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable

import pytest
import redis

from config import TestingConfig
from diary import create_app
from diary.extensions import db
from diary.models import Infusion, User
from diary.services import review, shared_cache
from tests.clinic.charts_html import read_charts
from tests.clinic.test_review_long import _long_diary
from tests.factories import login

REDIS_URL = "redis://127.0.0.1:6379/14"


def _pain_today(client, patient_id: int) -> float | None:
    """Today's pain on the review: the page, then its charts request, as the browser does."""
    assert client.get(f"/clinic/patients/{patient_id}").status_code == 200
    charts = client.get(f"/api/v1/patients/{patient_id}/review/charts?range=90")
    assert charts.status_code == 200
    body = charts.get_json()
    pain = read_charts(body)["pain"]["series"]["Pain now (daily mean)"]
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


@contextlib.contextmanager
def _on_one_redis(database_url: str, *releases: Callable[[], str] | None):
    """An app instance per release (shared_cache.release as given; None: the real one) on the
    test database and one Redis under a prefix of their own, and that Redis; the prefix's keys
    deleted and the instances' connections closed afterwards."""
    prefix = f"test-review-{uuid.uuid4().hex}:"
    store = redis.Redis.from_url(REDIS_URL)
    real, instances = shared_cache.release, []
    try:
        for release in releases:
            shared_cache.release = release or real
            instances.append(_instance(database_url, prefix))
        shared_cache.release = real
        yield prefix, store, instances
    finally:
        shared_cache.release = real
        for key in store.scan_iter(f"{prefix}*"):
            store.delete(key)
        for instance in instances:
            with instance.app_context():
                db.engine.dispose()


def _seen_from_both(make, first, second, pain: int):
    """A patient with `pain` today, and their clinician signed in on each instance."""
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    make.entry(patient, make.days_ago(0), pain)
    one, two = first.test_client(), second.test_client()
    login(one, clinician)
    login(two, clinician)
    return patient, one, two


def test_two_app_instances_share_the_review_cache_and_never_serve_a_stale_one(
    app, database_url, make, computed
):
    """Two app instances (two workers or machines) on the test database and one Redis: a
    review computed by one is served by the other; an entry saved through the first is on the
    second's review at the next request."""
    with _on_one_redis(database_url, None, None) as (prefix, store, (first, second)):
        patient, one, two = _seen_from_both(make, first, second, pain=2)
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


def test_another_release_never_reads_what_an_older_one_kept(app, database_url, make, computed):
    """Two releases side by side on one Redis, with the same configured prefix (a rolling
    upgrade): the new one computes its own review rather than unpickle the old one's, whose
    objects and HTML may have another shape."""
    old_release, new_release = (lambda: "old"), (lambda: "new")
    with _on_one_redis(database_url, old_release, new_release) as (prefix, store, (old, new)):
        patient, one, two = _seen_from_both(make, old, new, pain=4)
        assert _pain_today(one, patient.id) == 4.0
        assert store.keys(f"{prefix}old:*") and not store.keys(f"{prefix}new:*")
        assert _pain_today(two, patient.id) == 4.0
        assert computed == [patient.id, patient.id]  # the new release computed its own
        assert store.keys(f"{prefix}new:*")


def test_the_kept_tables_and_body_map_change_with_the_diary(app, client, make):
    """The course and session tables and the body map are rendered once per computed page and
    kept with it: an infusion's dose edited and an entry with a new body site are on the next
    view, as the page's other figures are."""
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    for n in range(12):
        make.entry(patient, make.days_ago(n), 6 if n > 5 else 2, body_sites=["left_hand"])
    infusion = make.infusion(patient, clinician, make.days_ago(5), dose_mg=50.0)
    login(client, clinician)
    url = f"/clinic/patients/{patient.id}?range=30"
    assert client.get(url).status_code == 200
    first = client.get(url).text  # the repeat view, from the cache
    assert re.search(r'data-field="dose">50 mg', first)
    assert "Left hand 12" in first and "Right foot" not in first

    with app.app_context():
        db.session.get(Infusion, infusion.id).dose_mg = 80.0
        db.session.commit()
    make.entry(patient, make.days_ago(0), 2, body_sites=["right_foot"])
    after = client.get(url).text
    assert re.search(r'data-field="dose">80 mg', after)
    assert not re.search(r'data-field="dose">50 mg', after)
    assert "Left hand 12" in after and "Right foot 1" in after


def test_a_repeat_view_runs_the_same_few_statements_at_any_length_of_history(
    app, make, count_queries
):
    """A repeat view (same data version) reads nothing of the diary: the same statements for 5
    years and 40 infusions as for 30 days, and fewer than the view that computed the page."""
    counts: dict[str, tuple[int, int]] = {}
    for name, years, infusions in (("five years", 5, 40), ("thirty days", 30 / 365, 1)):
        clinician, patient = _long_diary(app, make, years=years, infusions=infusions)
        client = app.test_client()
        login(client, clinician)
        url = f"/clinic/patients/{patient.id}?range=all"
        with count_queries() as computed:
            assert client.get(url).status_code == 200
        with count_queries() as repeat:
            assert client.get(url).status_code == 200
        counts[name] = (computed.count, repeat.count)
    assert counts["five years"] == counts["thirty days"], counts
    computed_count, repeat_count = counts["five years"]
    # session user, patient, link check, audit INSERT (its commit expires the ORM objects: the
    # patient and the signed-in user are read again), the days a carer logged; the view that
    # computed the page ran those and the load's four queries (load.load) and more
    assert repeat_count <= 7 and repeat_count <= computed_count - 5, counts


def _course_row(html: str, number: int) -> str:
    found = re.search(rf'<tr data-course="{number}">(.*?)</tr>', html, re.S)
    assert found, f"no row for course {number}"
    return found.group(1)


def test_a_late_entry_in_an_old_courses_window_changes_that_course_only_there(app, client, make):
    """Two courses 140 days apart. A late entry inside the first course's week after it changes
    that course's week-1 mean on the next view; one between the two courses' windows (past the
    first's relief horizon, before the second's baseline week) leaves both rows as they were.

    Daily pain 6, except 2 on the 7 days after course 1 (its week-1 mean 2.0, baseline 6.0).
    A second entry of 9 on the third of those days makes that day (2 + 9) / 2 = 5.5 and the
    week-1 mean (6 x 2 + 5.5) / 7 = 2.5."""
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    first, second = 200, 60  # days ago
    for n in range(first + 10, -1, -1):
        make.entry(patient, make.days_ago(n), 2 if first - 7 <= n < first else 6)
    make.infusion(patient, clinician, make.days_ago(first), dose_mg=50.0)
    make.infusion(patient, clinician, make.days_ago(second), dose_mg=50.0)
    login(client, clinician)
    url = f"/clinic/patients/{patient.id}?range=all"
    before = client.get(url).text
    week1 = re.compile(r'data-field="week1">([\d.]+)')
    assert week1.search(_course_row(before, 1)).group(1) == "2.0"

    make.entry(patient, make.days_ago(100), 9)  # outside every course's window
    outside = client.get(url).text
    assert _course_row(outside, 1) == _course_row(before, 1)
    assert _course_row(outside, 2) == _course_row(before, 2)

    make.entry(patient, make.days_ago(first - 3), 9)  # inside course 1's week 1, recorded now
    inside = client.get(url).text
    assert week1.search(_course_row(inside, 1)).group(1) == "2.5"
    assert _course_row(inside, 2) == _course_row(before, 2)
