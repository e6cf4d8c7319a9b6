"""Bulk data for the benches: the diary on a migrated database, patients with long diaries, and
whole clinics, inserted in a few statements (no per-row ORM work, one password hash for
everyone).

bench/review_page.py and bench/dashboard.py, which measure another commit too (`--root`), load
this file from their own checkout, so both commits are measured on the same data; its imports
of `diary` and `config` are then the measured commit's."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import insert, select

from config import TestingConfig
from diary import create_app
from diary.extensions import db
from diary.models import CareLink, Entry, Infusion, Role, User, WeeklyCheckin
from diary.services.accounts import hash_password

PASSWORD = "bench password long enough"
SYMPTOMS = ["burning", "allodynia", "swelling", "color_change", "stiffness"]
_HASH: list[str] = []


def password_hash() -> str:
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


def make_app(database_url: str, **settings) -> Flask:
    """The diary (TestingConfig) on `database_url`; `settings` are set on the config."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    for name, value in settings.items():
        setattr(config, name, value)
    return create_app(config)


def migrate(*, fresh: bool = False) -> None:
    """In an app context: the schema at alembic's head. `fresh`: everything an earlier run
    made dropped first (a scratch database): on PostgreSQL the public schema with its tables
    and the migrations' trigger functions, which outlive their tables; on SQLite the tables."""
    if fresh:
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("DROP SCHEMA public CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade()


def migrated_app(database_url: str, *, fresh: bool = False, **settings) -> Flask:
    """`make_app` with its database migrated (see `migrate`)."""
    app = make_app(database_url, **settings)
    with app.app_context():
        migrate(fresh=fresh)
    return app


def sign_in(client, email: str):
    """Sign the test client in as `email` (the bench password); the API's answer."""
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response


def user(email: str, role: Role, name: str, timezone: str = "UTC") -> int:
    """An account with the bench password; returns its id (committed)."""
    account = User(
        email=email,
        password_hash=password_hash(),
        role=role,
        display_name=name,
        timezone=timezone,
    )
    db.session.add(account)
    db.session.commit()
    return account.id


def entry_row(patient_id: int, day: date, i: int, now: datetime, pain: int | None = None) -> dict:
    """The entry of day `i` (counted back from today). `pain`: that pain every day; without
    it, a pain of the patient's own (the same every day)."""
    return {
        "id": uuid.uuid4(),
        "patient_id": patient_id,
        "day": day,
        "recorded_at": now,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "pain": 2 + (i * 7 + patient_id) % 7 if pain is None else pain,
        "pain_worst": 9,
        "symptoms": SYMPTOMS[: 1 + i % 5],
        "body_sites": ["right_hand", "right_wrist"][: 1 + i % 2],
        "sleep_hours": 5 + i % 4,
        "sleep_quality": i % 10,
        "peg_enjoyment": i % 10,
        "peg_activity": (i + 3) % 10,
        "side_effects": {"vivid_dreams": 1 + i % 3} if i % 30 < 3 else {},
        "note": "felt it after the walk" if i % 9 == 0 else None,
        "medications": [],
    }


def history(
    patient_id: int, clinician_id: int, *, days: int, infusions: int, pain: int | None = None
) -> None:
    """One entry a day for `days` days up to today (`pain`: see `entry_row`), `infusions`
    evenly spaced sessions (the last ones may be in the future) and a weekly check-in."""
    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    rows = [entry_row(patient_id, today - timedelta(days=i), i, now, pain) for i in range(days)]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Entry), rows[start : start + 5000])
    gap = max(days // max(infusions, 1), 1)
    if infusions:
        db.session.execute(
            insert(Infusion),
            [
                {
                    "patient_id": patient_id,
                    "clinician_id": clinician_id,
                    "started_at": now - timedelta(days=days - 10 - k * gap),
                    "duration_minutes": 240,
                    "dose_mg": 98.0,
                    "adjuncts": ["midazolam"],
                    "exam_signs": ["edema"] if k % 2 else None,
                    "created_at": now,
                    "updated_at": now,
                }
                for k in range(infusions)
            ],
        )
    if days >= 7:
        db.session.execute(
            insert(WeeklyCheckin),
            [
                {
                    "id": uuid.uuid4(),
                    "patient_id": patient_id,
                    "day": today - timedelta(days=w * 7),
                    "recorded_at": now,
                    "promis_pi": {"pi_day_to_day": 3, "pi_work_home": 2, "pi_social": 3},
                    "pgic": 3,
                }
                for w in range(days // 7)
            ],
        )
    db.session.commit()


def patient(
    clinician_id: int, name: str, *, days: int, infusions: int, pain: int | None = None
) -> int:
    """A linked patient with `days` of history (see `history`); returns the id."""
    patient_id = user(f"{name}@bench.example", Role.PATIENT, name)
    db.session.add(CareLink(clinician_id=clinician_id, patient_id=patient_id))
    db.session.commit()
    history(patient_id, clinician_id, days=days, infusions=infusions, pain=pain)
    return patient_id


def clinic(prefix: str, patients: int, *, days: int, infusions: int = 4) -> int:
    """A clinician with `patients` linked patients, each with `days` of history. Returns the
    clinician's id. Accounts go in with one INSERT, entries in chunks."""
    clinician_id = user(f"{prefix}@bench.example", Role.CLINICIAN, f"Dr {prefix}")
    now = datetime.now(UTC)
    db.session.execute(
        insert(User),
        [
            {
                "email": f"{prefix}-p{n}@bench.example",
                "password_hash": password_hash(),
                "role": Role.PATIENT,
                "display_name": f"Patient {n:05d} {prefix}",
                "timezone": "UTC",
                "active": True,
                "created_at": now,
            }
            for n in range(patients)
        ],
    )
    ids = list(
        db.session.scalars(
            select(User.id).where(User.email.like(f"{prefix}-p%@bench.example")).order_by(User.id)
        )
    )
    db.session.execute(
        insert(CareLink),
        [{"clinician_id": clinician_id, "patient_id": pid, "created_at": now} for pid in ids],
    )
    db.session.commit()
    for pid in ids:
        history(pid, clinician_id, days=days, infusions=infusions)
    return clinician_id
