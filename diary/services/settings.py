"""The patient's own settings: the time zone their diary's days are counted in.

A patient who travels (London to Auckland) changes it here; each entry also keeps the zone of
the phone it was made on (entries.timezone), and its day is checked against that zone. Their
infusion sessions keep the zone they were in: a trigger gives each without a zone of its own
the old one when the patient's zone changes (migration 0018), so no session moves to another
day.
"""

from __future__ import annotations

from diary.errors import ValidationError
from diary.extensions import db
from diary.models import User
from diary.services.local_time import is_zone, zone_names

ZONE_MESSAGE = "Choose a time zone from the list."


def zone_choices() -> list[str]:
    return sorted(zone_names())


def set_timezone(user: User, name: object) -> str:
    """Store `name` (an IANA zone) as the user's zone; ValidationError otherwise."""
    if isinstance(name, str):
        name = name.strip()
    if not is_zone(name):
        raise ValidationError(errors={"timezone": [ZONE_MESSAGE]})
    user.timezone = name
    db.session.commit()
    return name
