"""The weekly check-in: PROMIS Pain Interference 4a (four items, 1-5) and the PGIC (1-7).

Asked once a week, and again in the days just before a scheduled infusion, so that the review
before each infusion has a fresh answer (docs/clinical.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from diary import codes
from diary.errors import Conflict, ValidationError
from diary.extensions import db
from diary.models import User, WeeklyCheckin, utcnow
from diary.services import infusion_calendar
from diary.services.local_time import local_today

EVERY_DAYS = 7
# A scheduled infusion this close asks again, unless a check-in was made this close to it.
BEFORE_INFUSION_DAYS = 3
PROMIS_MESSAGE = "Choose an answer from 1 (not at all) to 5 (very much)."
PGIC_MESSAGE = "Choose an answer from 1 (very much improved) to 7 (very much worse)."


def latest_checkin(patient: User) -> WeeklyCheckin | None:
    return db.session.scalar(
        select(WeeklyCheckin)
        .where(WeeklyCheckin.patient_id == patient.id)
        .order_by(WeeklyCheckin.day.desc(), WeeklyCheckin.recorded_at.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class CheckinDue:
    due: bool
    reason: str  # "weekly" | "before_infusion" | ""
    infusion_day: date | None = None


def checkin_due(patient: User, *, now: datetime | None = None) -> CheckinDue:
    now = now or utcnow()
    latest = latest_checkin(patient)
    return due_from(
        local_today(patient, now),
        latest.day if latest else None,
        infusion_calendar.next_scheduled_infusion(patient, now=now),
    )


def due_from(today: date, latest_day: date | None, upcoming: date | None) -> CheckinDue:
    """Whether a check-in is due on `today`, from the day of the latest one and the local day
    of the next scheduled infusion (None when there is none)."""
    if upcoming is not None and (upcoming - today).days <= BEFORE_INFUSION_DAYS:
        window_start = upcoming - timedelta(days=BEFORE_INFUSION_DAYS)
        if latest_day is None or latest_day < window_start:
            return CheckinDue(True, "before_infusion", upcoming)
    if latest_day is None or (today - latest_day).days >= EVERY_DAYS:
        return CheckinDue(True, "weekly")
    return CheckinDue(False, "")


def validate_checkin(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    answers = data.get("promis_pi")
    promis: dict[str, int] = {}
    if not isinstance(answers, dict):
        answers = {}
    unknown = sorted(set(answers) - {item.code for item in codes.PROMIS_PI_4A_ITEMS})
    if unknown:
        errors.setdefault("promis_pi", []).append(f"Unknown question: {', '.join(unknown)}.")
    for item in codes.PROMIS_PI_4A_ITEMS:
        value = answers.get(item.code)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
            promis[item.code] = value
        else:
            errors.setdefault(f"promis_pi.{item.code}", []).append(PROMIS_MESSAGE)
    pgic = data.get("pgic")
    if not (isinstance(pgic, int) and not isinstance(pgic, bool) and 1 <= pgic <= 7):
        errors["pgic"] = [PGIC_MESSAGE]
    if errors:
        raise ValidationError(errors=errors)
    return {"promis_pi": promis, "pgic": pgic}


def record_checkin(
    patient: User, data: dict[str, Any], *, now: datetime | None = None
) -> tuple[WeeklyCheckin, bool]:
    """Store a check-in for the patient's today. All four PROMIS items and the PGIC are
    required (a partial PROMIS form has no valid raw score). A client `id` makes it idempotent.
    Returns (check-in, created)."""
    now = now or utcnow()
    checkin_id = data.get("id")
    if checkin_id is not None:
        existing = db.session.get(WeeklyCheckin, checkin_id)
        if existing is not None:
            if existing.patient_id != patient.id:
                raise Conflict("This check-in id is already in use.")
            return existing, False
    values = validate_checkin(data)
    checkin = WeeklyCheckin(
        id=checkin_id or uuid.uuid4(),
        patient_id=patient.id,
        day=local_today(patient, now),
        recorded_at=now,
        **values,
    )
    db.session.add(checkin)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = db.session.get(WeeklyCheckin, checkin.id) if checkin_id else None
        if existing is None or existing.patient_id != patient.id:
            raise
        return existing, False
    return checkin, True


def list_checkins(patient: User) -> list[WeeklyCheckin]:
    return list(
        db.session.scalars(
            select(WeeklyCheckin)
            .where(WeeklyCheckin.patient_id == patient.id)
            .order_by(WeeklyCheckin.day, WeeklyCheckin.recorded_at)
        )
    )
