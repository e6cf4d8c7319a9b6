"""Where the patient's day stands against their infusions: days since the last one, days to the
next scheduled one (an infusion whose start is in the future), and the days to mark on a chart.
Read-only; recording infusions belongs to the clinic."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from diary.extensions import db
from diary.models import Infusion, User, utcnow
from diary.services.local_time import zone


def _local_day(user: User, at: datetime) -> date:
    return at.astimezone(zone(user)).date()


def infusion_days(
    patient: User, start: date, end: date, *, now: datetime | None = None
) -> list[date]:
    """The patient's local days with an infusion that has started, start..end inclusive."""
    now = now or utcnow()
    started = db.session.scalars(
        select(Infusion.started_at).where(
            Infusion.patient_id == patient.id, Infusion.started_at <= now
        )
    )
    days = {_local_day(patient, at) for at in started}
    return sorted(d for d in days if start <= d <= end)


def days_since_last_infusion(patient: User, *, now: datetime | None = None) -> int | None:
    """Whole local days since the latest infusion that has started (0 on its day), or None."""
    now = now or utcnow()
    last = db.session.scalar(
        select(Infusion.started_at)
        .where(Infusion.patient_id == patient.id, Infusion.started_at <= now)
        .order_by(Infusion.started_at.desc())
        .limit(1)
    )
    if last is None:
        return None
    return (_local_day(patient, now) - _local_day(patient, last)).days


def next_scheduled_infusion(patient: User, *, now: datetime | None = None) -> date | None:
    """The local day of the next scheduled infusion, or None."""
    now = now or utcnow()
    upcoming = db.session.scalar(
        select(Infusion.started_at)
        .where(Infusion.patient_id == patient.id, Infusion.started_at > now)
        .order_by(Infusion.started_at)
        .limit(1)
    )
    return _local_day(patient, upcoming) if upcoming else None
