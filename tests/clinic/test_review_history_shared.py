"""A kept history (services/review/history.py) outlives the 28-day moves of its boundary, and
with Redis it is shared by every worker and machine: the first review of a patient in a worker,
or the first after the boundary moved, reads only the recent days, and gives the very review a
computation from nothing gives. A history change through any instance makes every instance
compute from nothing again."""

from __future__ import annotations

import sys
import zlib
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from diary.extensions import db
from diary.models import Entry, User
from diary.services import daily_sql, review, review_cache
from diary.services.review import history
from tests.clinic.charts_html import read_charts
from tests.clinic.test_review_cache import _on_one_redis
from tests.clinic.test_review_history import _everything, weekly_checkins
from tests.clinic.test_review_long import _long_diary
from tests.factories import login

# The module whose build() reads the review's clock (the package re-exports its functions).
pages = sys.modules["diary.services.review.pages"]


@pytest.fixture
def reads(monkeypatch) -> list[date | None]:
    """The first day each read of the diary's days asked for (None: the whole diary)."""
    starts: list[date | None] = []
    real = daily_sql.days_and_pain

    def spying(patient_id, default_zone, start=None, end=None):
        starts.append(start)
        return real(patient_id, default_zone, start, end)

    monkeypatch.setattr(daily_sql, "days_and_pain", spying)
    return starts


def _at(monkeypatch, now: datetime) -> None:
    """The review's clock (pages.utcnow) set to `now`."""
    monkeypatch.setattr(pages, "utcnow", lambda: now)


@pytest.mark.parametrize("weeks", [4, 12])
def test_a_history_kept_before_the_boundary_moved_serves_the_review_after_it(
    app, make, monkeypatch, reads, weeks
):
    """One year of daily entries, 8 infusions, weekly check-ins. A first review today keeps the
    history at today's boundary B. Four (or twelve) weeks later (the clock moved 28 or 84
    days, nothing else changed: the same history version) the boundary is B + 28 (84) days:
    the review reads the days from B on (the kept history is still right: every change to a
    day before B since it was kept raised the history version), keeps a history at the new
    boundary instead, and the review after reads from there. Everything it shows equals a
    computation from nothing on that day."""
    _clinician, patient = _long_diary(app, make, years=1, infusions=8)
    now = datetime.now(UTC)
    later = now + timedelta(weeks=weeks)
    first, moved = history.boundary(now), history.boundary(later)
    assert moved == first + timedelta(weeks=weeks)
    with app.app_context():
        weekly_checkins(patient.id, now.date())
        db.session.commit()
        review_cache.clear()
        _at(monkeypatch, now)
        _everything(patient.id)
        assert reads == [None]  # from nothing

        _at(monkeypatch, later)
        incremental = _everything(patient.id)
        me = db.session.get(User, patient.id)
        assert reads == [None, first]
        assert history.kept(me, later).boundary == moved
        _everything(patient.id)
        assert reads == [None, first, moved]

        review_cache.clear()
        full = _everything(patient.id)
        assert reads == [None, first, moved, None]
    assert len(incremental["responses"].courses) == 8
    for part in full:
        assert incremental[part] == full[part], part


def test_a_history_kept_at_a_later_boundary_is_not_used(app, make, monkeypatch, reads):
    """A history kept when the clock was 28 days ahead (its boundary is after today's): a day
    between the two boundaries can change today without raising the history version, so
    today's review reads the whole diary, and keeps a history at today's boundary."""
    _clinician, patient = _long_diary(app, make, years=0.5, infusions=3)
    now = datetime.now(UTC)
    with app.app_context():
        review_cache.clear()
        _at(monkeypatch, now + timedelta(days=28))
        review.build(db.session.get(User, patient.id))
        _at(monkeypatch, now)
        review.build(db.session.get(User, patient.id))
        assert reads == [None, None]
        assert history.kept(db.session.get(User, patient.id), now).boundary == history.boundary(now)


def _pain_of(client, patient_id: int, day: date) -> float | None:
    """`day`'s pain on the review's pain chart (the last 180 days: daily values), the page
    first, as the browser asks."""
    assert client.get(f"/clinic/patients/{patient_id}").status_code == 200
    charts = client.get(f"/api/v1/patients/{patient_id}/review/charts?range=180")
    assert charts.status_code == 200
    pain = read_charts(charts.get_json())["pain"]["series"]["Pain now (daily mean)"]
    return dict(zip(pain["x"], pain["y"], strict=True)).get(day.isoformat())


def test_two_app_instances_share_the_kept_history_through_redis(app, database_url, make, reads):
    """Two app instances on the test database and one Redis. The first computes the review
    from nothing and keeps the history in Redis too. With this worker's memory emptied (a
    fresh worker) and a new entry today (a new data version, the same history version), the
    second instance's review reads only the days from the boundary on, and its record equals
    one computed from nothing. An entry 150 days old edited through the first instance (a
    history change) makes the second read the whole diary again, and show the new value."""
    _clinician, patient = _long_diary(app, make, years=0.5, infusions=3)
    clinician = make.clinician()
    make.link(clinician, patient)
    old_day = datetime.now(UTC).date() - timedelta(days=150)
    with _on_one_redis(database_url, None, None) as (prefix, store, (first, second)):
        one, two = first.test_client(), second.test_client()
        login(one, clinician)
        login(two, clinician)
        assert one.get(f"/clinic/patients/{patient.id}").status_code == 200
        assert reads == [None]
        assert store.keys(f"{prefix}*{history.SHARED_PREFIX}{patient.id}:*")

        review_cache.clear_worker()  # a fresh worker: nothing kept in its memory
        phone = first.test_client()
        token = login(phone, patient)
        saved = phone.post("/api/v1/entries", json={"pain": 8}, headers={"X-CSRFToken": token})
        assert saved.status_code == 201
        assert two.get(f"/clinic/patients/{patient.id}").status_code == 200
        bound = history.boundary()
        assert reads == [None, bound]
        with second.app_context():
            me = db.session.get(User, patient.id)
            review_cache.clear_worker()
            shared = review.build(me, review_cache.cache)
            assert reads[-1] == bound
            history.clear()
            review_cache.clear()
            full = review.build(me)
        assert shared.responses == full.responses and shared.key == full.key
        assert dict(shared.loaded.daily) == dict(full.loaded.daily)

        with first.app_context():
            entry = db.session.scalar(
                select(Entry).where(Entry.patient_id == patient.id, Entry.day == old_day)
            )
            before, version = entry.pain, entry.version
        edited = phone.patch(
            f"/api/v1/entries/{entry.id}",
            json={"pain": 10, "version": version},
            headers={"X-CSRFToken": token},
        )
        assert edited.status_code == 200, edited.get_json()
        reads.clear()
        assert _pain_of(two, patient.id, old_day) == 10.0 != before
        assert reads == [None]


@pytest.mark.parametrize(
    "stored", [b"not a history", zlib.compress(b""), 42], ids=["not compressed", "empty", "int"]
)
def test_a_shared_history_that_cannot_be_read_is_computed_again(
    app, database_url, make, reads, caplog, stored
):
    """What Redis holds under a patient's history key is not a packed history (bytes that are
    not compressed, an empty value compressed, not bytes at all): the review reads the whole
    diary, answers 200 with the patient's course table, says so in the log, and replaces the
    key with a history the next fresh worker reads."""
    _clinician, patient = _long_diary(app, make, years=0.5, infusions=3)
    clinician = make.clinician()
    make.link(clinician, patient)
    with _on_one_redis(database_url, None) as (_prefix, _store, (instance,)):
        client = instance.test_client()
        login(client, clinician)
        with instance.app_context():
            me = db.session.get(User, patient.id)
            key = f"{history.SHARED_PREFIX}{history._key(me)}"
            review_cache.cache.set(key, stored)
        review_cache.clear_worker()
        page = client.get(f"/clinic/patients/{patient.id}")
        assert page.status_code == 200
        assert "Course 3" in page.text
        assert reads == [None]
        assert "could not be read" in caplog.text
        with instance.app_context():
            assert isinstance(review_cache.cache.get(key), bytes)
            review_cache.clear_worker()
            review.build(db.session.get(User, patient.id), review_cache.cache)
        assert reads == [None, history.boundary()]
