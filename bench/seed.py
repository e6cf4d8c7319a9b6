"""Bulk data for the benches: patients with long diaries, and whole clinics, inserted in a few
statements (no per-row ORM work, one password hash for everyone)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

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


def entry_row(patient_id: int, day: date, i: int, now: datetime) -> dict:
    return {
        "id": uuid.uuid4(),
        "patient_id": patient_id,
        "day": day,
        "recorded_at": now,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "pain": 2 + (i * 7 + patient_id) % 7,
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


def history(patient_id: int, clinician_id: int, *, days: int, infusions: int) -> None:
    """One entry a day for `days` days up to today, `infusions` evenly spaced sessions (the
    last ones may be in the future) and a weekly check-in."""
    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    rows = [entry_row(patient_id, today - timedelta(days=i), i, now) for i in range(days)]
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


def patient(clinician_id: int, name: str, *, days: int, infusions: int) -> int:
    """A linked patient with `days` of history (see `history`); returns the id."""
    patient_id = user(f"{name}@bench.example", Role.PATIENT, name)
    db.session.add(CareLink(clinician_id=clinician_id, patient_id=patient_id))
    db.session.commit()
    history(patient_id, clinician_id, days=days, infusions=infusions)
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
