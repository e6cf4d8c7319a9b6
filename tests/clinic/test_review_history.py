"""What the review computed from a patient's older days is kept across data versions
(services/review/history.py) under the history version, which every change that may reach
those days raises in the same transaction (services/data_version.py). A new entry today then
reads only the recent days and measures only the recent courses, and the review it gives is
the very review a full computation gives."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from diary.extensions import db
from diary.models import Entry, Infusion, User, WeeklyCheckin
from diary.services import (
    checkins,
    daily_sql,
    data_version,
    entries,
    infusions,
    review,
    review_cache,
)
from diary.services.review import body_map, history
from tests.clinic.charts_html import read_charts
from tests.clinic.test_review_long import _long_diary
from tests.factories import login

# The module (the package's `responses` is the function of that name).
responses = sys.modules["diary.services.review.responses"]


def _versions(app, patient) -> tuple[int, int]:
    with app.app_context():
        user = db.session.get(User, patient.id)
        return user.data_version, user.history_version


def weekly_checkins(patient_id: int, last: date, weeks: int = 50) -> None:
    """`weeks` weekly check-ins, the newest on `last` (PGIC 2-4 by week), in the session (not
    committed)."""
    db.session.execute(
        insert(WeeklyCheckin),
        [
            {
                "id": uuid.uuid4(),
                "patient_id": patient_id,
                "day": last - timedelta(days=7 * w),
                "promis_pi": {"pi_day_to_day": 3, "pi_work_home": 2, "pi_social": 3},
                "pgic": 2 + w % 3,
            }
            for w in range(weeks)
        ],
    )


def _everything(patient_id: int, shared: history.Shared | None = None) -> dict:
    """Every number the review, its charts (all ranges), its body map and its report read,
    computed by the code as it stands (kept history or not; `shared`: the store every worker
    finds kept histories in, as review.build takes it)."""
    patient = db.session.get(User, patient_id)
    built = review.build(patient, shared)
    page = review.review_page(patient, "all", built)
    return {
        "responses": built.responses,
        "key": built.key,
        "daily": dict(built.loaded.daily),
        "days": {
            d: (a.entries, a.late_entries, a.notes) for d, a in built.loaded.aggregates.items()
        },
        "sessions": built.loaded.sessions,
        "checkins": built.loaded.checkins,
        "body_map": page.body_map,
        "body_map_by_query": body_map.body_map(patient, page.start, page.end),
        "charts": {r: review.review_charts(patient, r, built).body for r in review.RANGES},
    }


def test_a_new_entry_today_keeps_the_older_days_and_gives_the_review_a_full_computation_gives(
    app, make, monkeypatch
):
    """One year of daily entries (pain 3-8 by day), 8 infusions 44 days apart, weekly
    check-ins. After a first review, an entry of 9 today raises the data version only; the
    next review reads the days from the boundary on and measures only the courses not closed
    before it (the last course, and the one before when its successor began after the
    boundary). Everything it shows - responses, key figures, daily pain, body map, every
    range's charts - is identical to what a computation from nothing gives, and today's pain
    on the chart is the new mean."""
    clinician, patient = _long_diary(app, make, years=1, infusions=8)
    today = datetime.now(UTC).date()
    with app.app_context():
        weekly_checkins(patient.id, today)
        db.session.commit()
        review_cache.clear()
        _everything(patient.id)  # the first review: computed from nothing, history kept
        versions = _versions(app, patient)
        entries.create_entry(db.session.get(User, patient.id), {"pain": 9})
    assert _versions(app, patient) == (versions[0] + 1, versions[1])

    measured = []
    real = responses._course_row
    monkeypatch.setattr(
        responses,
        "_course_row",
        lambda course, *a: measured.append(course.number) or real(course, *a),
    )
    with app.app_context():
        incremental = _everything(patient.id)
        courses = incremental["responses"].courses
        bound = history.boundary()
        open_courses = [c.number for c in courses if not history.closed(c, bound)]
        assert measured == open_courses and 1 <= len(open_courses) <= 2, (measured, bound)
        review_cache.clear()
        full = _everything(patient.id)
    assert len(measured) == len(open_courses) + len(courses)  # the full one measured all 8
    assert len(courses) == 8
    for part in full:
        assert incremental[part] == full[part], part

    client = app.test_client()
    login(client, clinician)
    charts = client.get(f"/api/v1/patients/{patient.id}/review/charts?range=90").get_json()
    pain = read_charts(charts)["pain"]["series"]["Pain now (daily mean)"]
    first_today = 3 + today.toordinal() % 6
    assert dict(zip(pain["x"], pain["y"], strict=True))[charts["end"]] == (first_today + 9) / 2


def test_a_review_after_a_new_entry_reads_only_the_recent_days(
    app, make, count_queries, monkeypatch
):
    """The first review reads the whole diary; the review after a new entry reads the diary's
    days from the boundary on (the diary's days and the body sites: the counts of the older
    days were kept by the first), and the sessions, check-ins and treatments not kept (a change
    to a recent one is not a history change): as many statements, of the recent rows."""
    clinician, patient = _long_diary(app, make, years=2, infusions=16)
    client = app.test_client()
    login(client, clinician)
    url = f"/clinic/patients/{patient.id}?range=all"
    starts = []
    real = daily_sql.days_and_pain  # what load.py reads the days with
    monkeypatch.setattr(
        daily_sql, "days_and_pain", lambda *a, **k: starts.append(k.get("start")) or real(*a, **k)
    )
    with app.app_context():
        review_cache.clear()
    with count_queries() as first:
        assert client.get(url).status_code == 200
    assert starts == [None]
    with app.app_context():
        entries.create_entry(db.session.get(User, patient.id), {"pain": 4})
    with count_queries() as after:
        assert client.get(url).status_code == 200
    assert starts == [None, history.boundary()]
    assert after.count == first.count, (first.count, after.count)


def test_which_changes_raise_the_history_version(app, make):
    """Entries of the last 35 days (history_cutoff; the diary takes new entries for the last
    30 only), today's check-in and yesterday's infusion leave it alone; everything else raises
    it with the data version: an entry of an older day added, edited or deleted, an entry moved
    from or to an older day, the time zone (with the session given the old zone: two changes),
    a bulk insert with an older day, a bulk update of rows one of which is of an older day
    (tests/test_data_version.py: older check-ins, infusions and treatments). Each step changes
    one row, except that closing bulk update (all 5 of the patient's rows: the entry moved to
    today, the recent one added, the soft-deleted one, the two bulk inserts): the database's
    triggers raise the counters by one per row on SQLite and once per transaction on
    PostgreSQL, so it checks only that both went up."""
    patient, clinician = make.patient(timezone="UTC"), make.clinician()
    today = datetime.now(UTC).date()
    old, recent = today - timedelta(days=36), today - timedelta(days=34)
    with app.app_context():
        me = db.session.get(User, patient.id)
        doctor = db.session.get(User, clinician.id)

        def step(change) -> tuple[int, int]:
            before = _versions(app, patient)
            change()
            db.session.commit()
            db.session.expire_all()
            after = _versions(app, patient)
            return after[0] - before[0], after[1] - before[1]

        def add(day: date) -> Entry:
            entry = Entry(id=uuid.uuid4(), patient_id=patient.id, day=day, pain=4)
            db.session.add(entry)
            return entry

        kept = add(recent)
        db.session.commit()
        older = add(old)
        assert step(lambda: None) == (1, 1)  # the older entry added
        assert step(lambda: add(recent)) == (1, 0)
        assert step(lambda: setattr(kept, "pain", 5)) == (1, 0)
        assert step(lambda: setattr(older, "pain", 6)) == (1, 1)
        assert step(lambda: setattr(older, "day", today)) == (1, 1)
        assert step(lambda: setattr(older, "pain", 7)) == (1, 0)  # now of today
        assert step(lambda: setattr(kept, "day", old)) == (1, 1)
        assert step(lambda: db.session.delete(kept)) == (1, 1)
        saved = entries.create_entry(me, {"pain": 4})
        assert step(lambda: entries.update_entry(me, saved.entry.id, {"pain": 5}, version=1)) == (
            1,
            0,
        )
        assert step(lambda: entries.delete_entry(me, saved.entry.id)) == (1, 0)
        answers = {"pi_day_to_day": 2, "pi_work_home": 2, "pi_social": 2, "pi_chores": 2}
        assert step(lambda: checkins.record_checkin(me, {"promis_pi": answers, "pgic": 3})) == (
            1,
            0,
        )
        started = datetime.now(UTC) - timedelta(days=1)
        assert step(
            lambda: infusions.create_infusion(me, doctor, {"started_at": started, "dose_mg": 40})
        ) == (1, 0)
        # The zone change also gives the patient's session (yesterday's) the old zone, which
        # its own trigger counts as one more change (migration 0018): both went up.
        data_up, history_up = step(
            lambda: setattr(db.session.get(User, patient.id), "timezone", "Asia/Tokyo")
        )
        assert data_up >= 1 and history_up >= 1
        with db.engine.connect() as connection:
            kept_zones = connection.execute(
                select(Infusion.timezone).where(Infusion.patient_id == patient.id)
            ).scalars()
            assert list(kept_zones) == ["UTC"]  # the zone it was in

        def bulk(day: date):
            row = {"id": uuid.uuid4(), "patient_id": patient.id, "day": day, "pain": 3}
            return lambda: db.session.execute(insert(Entry), [row])

        assert step(bulk(recent)) == (1, 0)
        assert step(bulk(old)) == (1, 1)
        bulk_update = update(Entry).where(Entry.patient_id == patient.id).values(pain=2)
        data_up, history_up = step(lambda: db.session.execute(bulk_update))
        assert data_up >= 1 and history_up >= 1


def test_an_edit_to_an_old_day_reaches_the_review_at_once(app, make):
    """Two courses 90 and 20 days ago over 120 days of pain 6, 2 on the 7 days after the
    first course (its week-1 mean 2.0). After a first review, editing one of those days' entry
    from 2 to 9 (an old day: the history version rises) makes the week-1 mean
    (6 x 2 + 9) / 7 = 3.0 on the next review."""
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    ids = {}
    for n in range(120, -1, -1):
        ids[n] = make.entry(patient, make.days_ago(n), 2 if 83 <= n < 90 else 6).id
    make.infusion(patient, clinician, make.days_ago(90))
    make.infusion(patient, clinician, make.days_ago(20))
    with app.app_context():
        review_cache.clear()
        me = db.session.get(User, patient.id)
        assert review.build(me).responses.courses[0].response.week1_mean == 2.0
        entries.update_entry(me, ids[87], {"pain": 9}, version=1)
        db.session.expire_all()
        me = db.session.get(User, patient.id)
        assert me.history_version >= 1
        assert review.build(me).responses.courses[0].response.week1_mean == 3.0


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 12, 7, 12, tzinfo=UTC), date(2026, 10, 5)),
        (datetime(2027, 1, 4, 23, 59, tzinfo=UTC), date(2026, 11, 2)),
        (datetime(2027, 1, 5, 0, 0, tzinfo=UTC), date(2026, 11, 30)),
    ],
)
def test_the_boundary_is_a_monday_every_28_days_at_least_36_days_back(now, expected):
    """7 Dec 2026: the cutoff is 35 days back, 2 Nov 2026; the boundary is on or before the day
    before it, 1 Nov: 2 Nov is a Monday 9,436 = 337 x 28 days after 1 Jan 2001 (a Monday), so
    the boundary is 28 days earlier, 5 Oct. On 4 Jan 2027 the cutoff is 30 Nov, the day before
    29 Nov: 2 Nov. On 5 Jan 2027 the cutoff is 1 Dec, the day before 30 Nov, 28 days after
    2 Nov: the boundary moves there."""
    assert history.boundary(now) == expected
    assert expected.weekday() == 0


def test_a_boundary_stays_behind_every_later_days_cutoff_by_a_day():
    """For each day of two years, the boundary is a Monday 1 to 28 days before that day's
    cutoff, and every later day's cutoff, even as a database whose clock is a day behind
    judges it, is on or after it: a change to a day before a kept boundary always raises the
    history version."""
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    for n in range(730):
        now = start + timedelta(days=n)
        bound = history.boundary(now)
        cutoff = data_version.history_cutoff(now)
        assert bound.weekday() == 0 and 1 <= (cutoff - bound).days <= 28
        assert all(
            data_version.history_cutoff(now + timedelta(days=k - 1)) >= bound
            for k in range(0, 60, 7)
        )


def test_a_history_is_kept_per_history_version_and_found_from_its_boundary_on(app, make):
    """A kept history is found again under the same history version only; after the boundary
    moved on too (tests/clinic/test_review_history_shared.py: the review then keeps one at the
    new boundary), not before it was made (the clock went back). A session of today leaves
    it, one of 400 days ago does not."""
    patient = make.patient(timezone="UTC")
    with app.app_context():
        me = db.session.get(User, patient.id)
        history.clear()
        review.build(me)
        assert history.kept(me) is not None
        assert history.kept(me, datetime.now(UTC) + timedelta(days=28)) is not None
        assert history.kept(me, datetime.now(UTC) - timedelta(days=28)) is None
        me.history_version += 1
        assert history.kept(me) is None
        db.session.rollback()
    with app.app_context():
        for days_ago, found in ((0, True), (400, False)):
            started = datetime.now(UTC) - timedelta(days=days_ago)
            db.session.execute(
                insert(Infusion),
                [{"patient_id": patient.id, "started_at": started, "adjuncts": []}],
            )
            db.session.commit()
            assert (history.kept(db.session.get(User, patient.id)) is not None) is found
