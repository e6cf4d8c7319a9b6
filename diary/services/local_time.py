"""The patient's local calendar: entries describe local days, instants are stored in UTC."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from diary.models import User, utcnow


def zone(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_now(user: User, now: datetime | None = None) -> datetime:
    return (now or utcnow()).astimezone(zone(user))


def local_today(user: User, now: datetime | None = None) -> date:
    return local_now(user, now).date()
