"""The patient's local calendar: entries describe local days, instants are stored in UTC."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from diary.models import Infusion, User, utcnow


def zone(user: User) -> ZoneInfo:
    return zone_named(user.timezone)


def zone_named(name: str | None) -> ZoneInfo:
    """The time zone of that IANA name; UTC for a name this machine does not know."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def session_zone(infusion: Infusion | None, patient: User) -> ZoneInfo:
    """The zone a session's local time is read in: its own, kept when the patient changed
    theirs (migration 0018), else the patient's."""
    if infusion is not None and infusion.timezone:
        return zone_named(infusion.timezone)
    return zone(patient)


def local_now(user: User, now: datetime | None = None) -> datetime:
    return (now or utcnow()).astimezone(zone(user))


def local_today(user: User, now: datetime | None = None) -> date:
    return local_now(user, now).date()


@cache
def zone_names() -> frozenset[str]:
    """Every IANA zone name the server knows (tzdata)."""
    return frozenset(available_timezones())


def is_zone(name: object) -> bool:
    return isinstance(name, str) and name in zone_names()


def today_in(zone_name: str, now: datetime | None = None) -> date:
    """Today's date in the IANA zone `zone_name` (which must be valid: see is_zone)."""
    return (now or utcnow()).astimezone(ZoneInfo(zone_name)).date()
