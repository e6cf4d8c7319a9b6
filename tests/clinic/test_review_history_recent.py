"""A change to a recent check-in, infusion session or treatment is not a history change
(migration 0016): the review after it keeps what the older days decide
(services/review/history.py), reads the recent rows fresh, and gives the very review a
computation from nothing gives, course grouping included."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import update

from diary.extensions import db
from diary.models import Infusion, Treatment, User, WeeklyCheckin
from diary.services import data_version, review, review_cache
from diary.services.review import history
from tests.clinic.test_review_history import _everything, _versions, weekly_checkins
from tests.clinic.test_review_long import _long_diary

# The module (the package's `responses` is the function of that name).
responses = sys.modules["diary.services.review.responses"]

ANSWERS = {"pi_day_to_day": 4, "pi_work_home": 3, "pi_social": 4, "pi_chores": 3}


@pytest.fixture
def measured(monkeypatch) -> list[int]:
    """The numbers of the courses compute() measures (not taken from a kept history)."""
    numbers: list[int] = []
    real = responses._course_row
    monkeypatch.setattr(
        responses,
        "_course_row",
        lambda course, *a: numbers.append(course.number) or real(course, *a),
    )
    return numbers


def _kept_and_full(app, patient, measured: list[int], parts=_everything):
    """The review with the kept history (which must be there), the courses it measured, then
    the review computed from nothing."""
    with app.app_context():
        assert history.kept(db.session.get(User, patient.id)) is not None
        measured.clear()
        incremental = parts(patient.id)
        numbers = list(measured)
        review_cache.clear()
        full = parts(patient.id)
    return incremental, numbers, full


def _open(rows) -> list[int]:
    """The numbers of the courses a kept history does not hold (history.closed)."""
    return [c.number for c in rows if not history.closed(c, history.boundary())]


def _same(incremental: dict, full: dict) -> None:
    for part in full:
        assert incremental[part] == full[part], part


def test_a_recent_check_in_infusion_or_treatment_keeps_the_history(app, make, measured):
    """One year of daily entries, 8 infusions 44 days apart, weekly check-ins, a treatment
    200 days ago. After a first review, each change below raises the data version only, and
    the next review, from the kept history, equals a computation from nothing (responses:
    courses and sessions; key figures; days; body map; every range's charts): a check-in
    today; a session 2 days ago (a new course); a treatment 3 days ago; that session set to
    "same_course" (joined to the course before, 44 days back), then moved to a day
    before the boundary (a history change: the first review after it computes everything)."""
    clinician, patient = _long_diary(app, make, years=1, infusions=8)
    today = datetime.now(UTC).date()
    with app.app_context():
        weekly_checkins(patient.id, today - timedelta(days=3))
        db.session.add(
            Treatment(patient_id=patient.id, day=today - timedelta(days=200), kind="nerve_block")
        )
        db.session.commit()
        review_cache.clear()
        _everything(patient.id)  # the first review: computed from nothing, history kept
    session_id = None

    def add_session():
        nonlocal session_id
        session = Infusion(
            patient_id=patient.id,
            clinician_id=clinician.id,
            started_at=datetime.combine(today - timedelta(days=2), time(9), UTC),
            dose_mg=60.0,
            adjuncts=[],
        )
        db.session.add(session)
        db.session.flush()
        session_id = session.id

    def set_session(**values):
        return lambda: db.session.execute(
            update(Infusion).where(Infusion.id == session_id).values(**values)
        )

    changes = [
        lambda: db.session.add(
            WeeklyCheckin(
                id=uuid.uuid4(), patient_id=patient.id, day=today, promis_pi=ANSWERS, pgic=1
            )
        ),
        add_session,
        lambda: db.session.add(
            Treatment(
                patient_id=patient.id,
                clinician_id=clinician.id,
                day=today - timedelta(days=3),
                kind="physical_therapy",
            )
        ),
        set_session(course_rule="same_course"),
    ]
    for change in changes:
        before = _versions(app, patient)
        with app.app_context():
            change()
            db.session.commit()
        assert _versions(app, patient) == (before[0] + 1, before[1])
        incremental, numbers, full = _kept_and_full(app, patient, measured)
        _same(incremental, full)
        assert numbers == _open(full["responses"].courses) and 1 <= len(numbers) <= 3, numbers
    courses = full["responses"].courses
    assert len(courses) == 8 and session_id in [s.id for s in courses[-1].sessions]
    assert courses[-1].promis_after.pgic == 1  # today's check-in, after the joined session
    assert "physical_therapy" in [t.kind for t in courses[-1].treatments]

    # Moved to a day before the boundary: a history change, computed from nothing.
    before = _versions(app, patient)
    old = datetime.combine(history.boundary() - timedelta(days=3), time(9), UTC)
    with app.app_context():
        set_session(course_rule=None, started_at=old)()
        db.session.commit()
        assert _versions(app, patient)[1] > before[1]
        assert history.kept(db.session.get(User, patient.id)) is None
        moved = _everything(patient.id)
        review_cache.clear()
        _same(moved, _everything(patient.id))
    assert session_id in [s.id for s in moved["sessions"]]


def _responses_and_key(patient_id: int) -> dict:
    built = review.build(db.session.get(User, patient_id))
    return {"responses": built.responses, "key": built.key, "sessions": built.loaded.sessions}


def test_a_course_beginning_on_the_boundary_is_not_kept(app, make, measured, monkeypatch):
    """The boundary moved onto today's cutoff (history_cutoff(): as on the day it moves): a
    check-in of that day is not a history change. Two sessions that day, the second set to
    start a new course: course 2 begins and its next course begins on the boundary, and its
    PROMIS "before" is the check-in of its first day. Its row is not kept (history.closed):
    after a check-in of that day, the review from the kept history shows it, as the
    computation from nothing does."""
    monkeypatch.setattr(history, "boundary", lambda now=None: data_version.history_cutoff(now))
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    bound = data_version.history_cutoff()
    for n in range(120, -1, -1):
        make.entry(patient, make.days_ago(n), 6 if n % 3 else 5)
    make.infusion(patient, clinician, bound - timedelta(days=20))
    make.infusion(patient, clinician, bound)  # 09:00
    later = datetime.combine(bound, time(15), UTC)
    with app.app_context():
        db.session.add(
            Infusion(patient_id=patient.id, started_at=later, course_rule="new_course", adjuncts=[])
        )
        db.session.commit()
        review_cache.clear()
        first = _responses_and_key(patient.id)
    assert [c.first_day for c in first["responses"].courses] == [
        bound - timedelta(days=20),
        bound,
        bound,
    ]
    assert first["responses"].courses[1].promis_before is None
    before = _versions(app, patient)
    with app.app_context():
        db.session.add(
            WeeklyCheckin(
                id=uuid.uuid4(), patient_id=patient.id, day=bound, promis_pi=ANSWERS, pgic=3
            )
        )
        db.session.commit()
    assert _versions(app, patient) == (before[0] + 1, before[1])
    incremental, numbers, full = _kept_and_full(app, patient, measured, _responses_and_key)
    assert numbers == [2, 3] == _open(full["responses"].courses)
    _same(incremental, full)
    assert incremental["responses"].courses[1].promis_before.day == bound


def test_a_recent_session_joining_a_kept_course_measures_it_again(app, make, measured, monkeypatch):
    """The patient's zone is UTC-12 and the boundary is today's cutoff, a day B. Course 1
        began 10 days before B; course 2 begins on B at 23:00 local (11:00 UTC the next day; set to
    start a new course), so
        course 1's row is kept. A session at 17:00 local on B (05:00 UTC the day after the
        cutoff: not a history change) set to "same_course" comes before course 2's first session
        and joins course 1: its key no longer matches the kept row, which compute() measures
        again; the review equals the computation from nothing."""
    monkeypatch.setattr(history, "boundary", lambda now=None: data_version.history_cutoff(now))
    patient = make.patient(timezone="Etc/GMT+12")
    bound = data_version.history_cutoff()
    for n in range(120, -1, -1):
        make.entry(patient, make.days_ago(n), 6 if n % 3 else 4)

    def local(day, hour) -> datetime:
        return datetime.combine(day, time(hour), UTC) + timedelta(hours=12)

    with app.app_context():
        for start, rule in (
            (local(bound - timedelta(days=10), 9), None),
            (local(bound, 23), "new_course"),
        ):
            db.session.add(
                Infusion(patient_id=patient.id, started_at=start, course_rule=rule, adjuncts=[])
            )
        db.session.commit()
        review_cache.clear()
        first = _responses_and_key(patient.id)
        kept = history.kept(db.session.get(User, patient.id))
    assert [c.first_day for c in first["responses"].courses] == [bound - timedelta(10), bound]
    assert [key[0] for key in kept.courses] == [1]
    before = _versions(app, patient)
    joining = local(bound, 17)
    assert joining >= data_version.session_cutoff()
    with app.app_context():
        db.session.add(
            Infusion(
                patient_id=patient.id, started_at=joining, course_rule="same_course", adjuncts=[]
            )
        )
        db.session.commit()
    assert _versions(app, patient) == (before[0] + 1, before[1])
    incremental, numbers, full = _kept_and_full(app, patient, measured, _responses_and_key)
    assert numbers == [1, 2] and _open(full["responses"].courses) == [2]
    _same(incremental, full)
    assert len(incremental["responses"].courses[0].sessions) == 2


def test_the_kept_history_holds_only_the_older_rows(app, make):
    """history.of keeps the check-ins and treatments of days before the boundary and the
    sessions started before its 00:00 UTC; a course's row only when its next course began by
    the boundary and it began before (history.closed)."""
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    bound = history.boundary()
    for n in range(100, -1, -1):
        make.entry(patient, make.days_ago(n), 6)
    days = [bound - timedelta(days=30), bound - timedelta(days=1), bound, make.days_ago(1)]
    for day in days:
        make.infusion(patient, clinician, day, course_rule="new_course")
        make.entry(patient, day, 4)
    with app.app_context():
        for day in days:
            db.session.add(WeeklyCheckin(id=uuid.uuid4(), patient_id=patient.id, day=day))
            db.session.add(Treatment(patient_id=patient.id, day=day, kind="nerve_block"))
        db.session.commit()
        review_cache.clear()
        built = review.build(db.session.get(User, patient.id))
        kept = history.of(built.loaded, built.responses, bound)
    older = days[:2]
    assert [s.day for s in kept.sessions] == older
    assert [c.day for c in kept.checkins] == older
    assert [t.day for t in kept.treatments] == older
    # Course 1 (its next began 29 days later), course 2 (its next began on the boundary); not
    # course 3 (its next began after the boundary) nor 4 (no next course).
    assert sorted(key[0] for key in kept.courses) == [1, 2]
    assert kept.sessions_from == datetime.combine(bound, time(), UTC)
