"""The kept history (services/review/history.py) never changes a number the review shows.

Scenario-based tests (test_review_history*.py) pick the cases we thought of; here seeded random
diaries pick others, the same ones on every run (a failure names its seed). Each diary has
gaps, days of two entries, late entries, every kind of measure, a patient in one of four zones
(one of them 14 hours ahead of UTC, so a session's local day and UTC day differ), infusion
sessions of one or several days with the clinician's course rule now and then, some of them
close to the history's boundary, weekly check-ins (one on each side of the boundary) and other
treatments. The review is made once (the history kept), then after each of a series of random
changes - a new entry today, an edit or deletion of an entry before or after the boundary, a
new or moved session, a check-in or treatment on either side, the clock four or eight weeks
on, a change of the patient's zone - the review computed from what the worker kept is compared
with the review computed from nothing at the same moment: every response, key figure, day,
session, check-in, the body map and the charts document of every range
(test_review_history._everything). A second test does the same with the review cache in Redis,
the worker's own memory emptied before half of the reviews (the history then comes packed from
Redis, as to a new worker)."""

from __future__ import annotations

import random
import sys
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import insert, select

from diary.extensions import db
from diary.models import Entry, Infusion, Treatment, User, WeeklyCheckin
from diary.services import review_cache
from diary.services.review import history
from tests.clinic.test_review_cache import _on_one_redis
from tests.clinic.test_review_history import _everything

# The module whose build() reads the review's clock (the package re-exports its functions).
pages = sys.modules["diary.services.review.pages"]

ZONES = ("UTC", "America/Los_Angeles", "Pacific/Kiritimati", "Asia/Tokyo")
SYMPTOMS = ("burning", "swelling", "color_change", "sweating_change", "stiffness")
SITES = ("left_hand", "right_hand", "left_forearm", "right_foot")
EFFECTS = ("nausea", "dissociation", "urinary_symptoms", "dizziness", "headache")
KINDS = ("nerve_block", "physical_therapy", "medication_change", "other")
CHANGES = (
    "entry today",
    "old entry edited",
    "recent entry edited",
    "old entry deleted",
    "recent entry deleted",
    "session added",
    "session moved",
    "check-in",
    "treatment",
    "clock on",
    "zone changed",
)
# Changes that are never history changes (data_version: a day or session start within the last
# 35 days): an entry today, a session in the last 20 days.
NEVER_HISTORY = ("entry today", "session added")


def _entry_row(rng: random.Random, patient: User, day: date) -> dict:
    """An entry of `day` with random measures, recorded 6 to 70 hours after the day's UTC
    start (late now and then, in the patient's zone or not)."""
    recorded = datetime.combine(day, time(), UTC) + timedelta(hours=rng.uniform(6, 70))
    row = {
        "id": uuid.uuid4(),
        "patient_id": patient.id,
        "day": day,
        "recorded_at": recorded,
        "timezone": rng.choice((patient.timezone, patient.timezone, None, "UTC")),
        "pain": rng.randint(0, 10),
        "symptoms": rng.sample(SYMPTOMS, rng.randint(0, 3)),
        "body_sites": rng.sample(SITES, rng.randint(0, 2)),
        "side_effects": {e: rng.randint(1, 3) for e in rng.sample(EFFECTS, rng.randint(0, 2))},
        "medications": ["rescue"] if rng.random() < 0.2 else [],
    }
    for column, low, high in (
        ("pain_worst", 0, 10),
        ("pain_least", 0, 10),
        ("pain_average", 0, 10),
        ("peg_enjoyment", 0, 10),
        ("peg_activity", 0, 10),
        ("sleep_quality", 0, 10),
        ("mood", 0, 10),
    ):
        if rng.random() < 0.6:
            row[column] = rng.randint(low, high)
    if rng.random() < 0.6:
        row["sleep_hours"] = rng.choice((4.5, 6.0, 7.25, 8.0))
    if rng.random() < 0.1:
        row["note"] = rng.choice(("a bad day", "  ", "flare after the drive"))
    return row


def _session_row(rng: random.Random, patient: User, clinician: User, day: date) -> dict:
    """A session of `day`, starting at a random hour in UTC (for a patient 14 hours ahead, its
    local day is the next one after 10:00 UTC)."""
    return {
        "patient_id": patient.id,
        "clinician_id": clinician.id,
        "started_at": datetime.combine(day, time(rng.randint(0, 23)), UTC),
        "duration_minutes": rng.choice((None, 240, 300)),
        "dose_mg": rng.choice((None, 80.0, 120.5)),
        "adjuncts": [],
        "pain_pre": rng.randint(3, 9),
        "pain_post": rng.randint(0, 6),
        "course_rule": rng.choice((None, None, None, "same_course", "new_course")),
    }


def _diary(app, make, rng: random.Random) -> tuple[User, User]:
    """A random diary of 150-300 days up to today, its sessions, check-ins and treatments."""
    clinician, patient = make.clinician(), make.patient(timezone=rng.choice(ZONES))
    make.link(clinician, patient)
    today = datetime.now(UTC).date()
    bound = history.boundary()
    first = today - timedelta(days=rng.randint(150, 300))
    days = [first + timedelta(days=i) for i in range((today - first).days + 1)]
    rows = []
    for day in days:
        if rng.random() < 0.12:
            continue  # a gap
        rows += [_entry_row(rng, patient, day) for _ in range(2 if rng.random() < 0.1 else 1)]
    # Sessions: courses of one to three days every 3 to 8 weeks, and one close to the boundary.
    sessions, day = [], first + timedelta(days=rng.randint(5, 20))
    while day < today:
        sessions += [day + timedelta(days=k) for k in range(rng.randint(1, 3))]
        day += timedelta(weeks=rng.randint(3, 8))
    sessions.append(bound + timedelta(days=rng.randint(-3, 2)))
    with app.app_context():
        db.session.execute(insert(Entry), rows)
        db.session.execute(
            insert(Infusion),
            [_session_row(rng, patient, clinician, d) for d in sessions if d <= today],
        )
        checkin_days = {today - timedelta(weeks=w) for w in range(0, 30, rng.randint(1, 2))}
        checkin_days |= {bound - timedelta(days=1), bound}
        db.session.execute(
            insert(WeeklyCheckin),
            [
                {
                    "id": uuid.uuid4(),
                    "patient_id": patient.id,
                    "day": d,
                    "promis_pi": {
                        k: rng.randint(1, 5)
                        for k in ("pi_day_to_day", "pi_work_home", "pi_social", "pi_chores")
                    },
                    "pgic": rng.randint(1, 7),
                }
                for d in sorted(checkin_days)
                if d >= first
            ],
        )
        for d in (bound - timedelta(days=rng.randint(1, 40)), today - timedelta(days=3)):
            db.session.add(
                Treatment(patient_id=patient.id, clinician_id=clinician.id, day=d, kind="other")
            )
        db.session.commit()
    return clinician, patient


def _change(rng: random.Random, change: str, patient: User, clinician: User) -> int:
    """Make `change` in the database (as any writer does: the triggers raise the versions);
    the days the clock moves on for the review (0 but for "clock on")."""
    today = datetime.now(UTC).date()
    bound = history.boundary()
    live = select(Entry).where(Entry.patient_id == patient.id, Entry.deleted_at.is_(None))
    old = db.session.scalars(live.where(Entry.day < bound)).all()
    recent = db.session.scalars(live.where(Entry.day >= bound)).all()
    if change == "entry today":
        db.session.execute(insert(Entry), [_entry_row(rng, patient, today)])
    elif change in ("old entry edited", "recent entry edited"):
        entry = rng.choice(old if change.startswith("old") else recent)
        entry.pain = (entry.pain + rng.randint(1, 10)) % 11
        entry.side_effects = {rng.choice(EFFECTS): rng.randint(1, 3)}
        entry.version += 1
    elif change in ("old entry deleted", "recent entry deleted"):
        entry = rng.choice(old if change.startswith("old") else recent)
        entry.deleted_at = datetime.now(UTC)
    elif change == "session added":
        day = today - timedelta(days=rng.randint(0, 20))
        db.session.execute(insert(Infusion), [_session_row(rng, patient, clinician, day)])
    elif change == "session moved":
        session = rng.choice(
            db.session.scalars(select(Infusion).where(Infusion.patient_id == patient.id)).all()
        )
        session.started_at += timedelta(days=rng.choice((-2, -1, 1, 2)))
        session.course_rule = rng.choice((None, "same_course", "new_course"))
    elif change == "check-in":
        day = rng.choice((bound - timedelta(days=rng.randint(1, 10)), today))
        db.session.add(WeeklyCheckin(patient_id=patient.id, day=day, pgic=rng.randint(1, 7)))
    elif change == "treatment":
        day = rng.choice((bound - timedelta(days=rng.randint(1, 10)), today))
        db.session.add(
            Treatment(
                patient_id=patient.id, clinician_id=clinician.id, day=day, kind=rng.choice(KINDS)
            )
        )
    elif change == "zone changed":
        user = db.session.get(User, patient.id)
        user.timezone = rng.choice([z for z in ZONES if z != user.timezone])
    db.session.commit()
    return rng.choice((28, 56)) if change == "clock on" else 0


def _from_nothing(monkeypatch, patient_id: int) -> dict:
    """_everything with no kept history found or kept (the worker's own stays as it was)."""
    with monkeypatch.context() as m:
        m.setattr(history, "kept", lambda *_args, **_kw: None)
        m.setattr(history, "keep", lambda *_args, **_kw: None)
        return _everything(patient_id)


def _reviewed_after_changes(app, make, monkeypatch, seed: int, shared: bool) -> None:
    """The seed's diary reviewed once, then after each of its changes: the review from what
    was kept equals the review from nothing. `shared`: the app's review cache is Redis, and
    before half of the reviews the worker's own memory is emptied, so the kept history is the
    one Redis holds (packed and unpacked: history.pack)."""
    rng = random.Random(seed)
    clinician, patient = _diary(app, make, rng)
    changes = rng.sample(CHANGES, len(CHANGES)) + rng.sample(CHANGES, 4)
    with app.app_context():
        store = review_cache._history_store() if shared else None
        assert (store is not None) == shared
        review_cache.clear()
        _everything(patient.id, store)  # the first review: from nothing, its history kept
        for step, change in enumerate(changes):
            ahead = _change(rng, change, patient, clinician)
            db.session.expire_all()
            if shared and rng.random() < 0.5:
                review_cache.clear_worker()  # a fresh worker: only Redis holds the history
            now = datetime.now(UTC) + timedelta(days=ahead)
            monkeypatch.setattr(pages, "utcnow", lambda now=now: now)
            kept = history.kept(db.session.get(User, patient.id), now, store)
            if change in NEVER_HISTORY and (step == 0 or changes[step - 1] != "clock on"):
                # The review before kept a history at today's boundary, and this change is
                # not a history change: this review is made from it.
                assert kept is not None, (seed, step, change)
            incremental = _everything(patient.id, store)
            full = _from_nothing(monkeypatch, patient.id)
            for part in full:
                assert incremental[part] == full[part], (seed, step, change, part)
            monkeypatch.setattr(pages, "utcnow", lambda: datetime.now(UTC))


@pytest.mark.parametrize("seed", range(1, 9))
def test_the_kept_history_gives_the_review_a_computation_from_nothing_gives(
    app, make, monkeypatch, seed
):
    _reviewed_after_changes(app, make, monkeypatch, seed, shared=False)


@pytest.mark.parametrize("seed", range(101, 105))
def test_a_history_shared_through_redis_gives_the_same_review(
    app, database_url, make, monkeypatch, seed
):
    with _on_one_redis(database_url, None) as (_prefix, _store, (instance,)):
        _reviewed_after_changes(instance, make, monkeypatch, seed, shared=True)
