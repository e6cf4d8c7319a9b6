"""In-app reminders: the patient picks a daily time; opening the diary after it on a day without
an entry says so. (Push notifications are for later.)"""

from __future__ import annotations

from datetime import datetime, time

from diary.errors import ValidationError
from diary.extensions import db
from diary.models import User, utcnow
from diary.services import entries
from diary.services.local_time import local_now

TIME_MESSAGE = "Use a time as HH:MM, e.g. 20:00."


def parse_time(value: str | None) -> time | None:
    """'' means no reminder; anything else must be HH:MM (24 h)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return time.fromisoformat(value).replace(second=0, microsecond=0, tzinfo=None)
    except ValueError:
        raise ValidationError(errors={"reminder_time": [TIME_MESSAGE]}) from None


def set_reminder_time(patient: User, value: time | None) -> None:
    patient.reminder_time = value
    db.session.commit()


def reminder_due(patient: User, *, now: datetime | None = None) -> bool:
    """True when the patient's reminder time has passed today and today has no entry."""
    if patient.reminder_time is None:
        return False
    local = local_now(patient, now or utcnow())
    if local.time() < patient.reminder_time:
        return False
    return not entries.has_entry_on(patient, local.date())
