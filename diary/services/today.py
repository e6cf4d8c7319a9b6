"""What the patient's Today page needs, in one query whatever the length of the diary: the
day's state (entries so far, last and next infusion, last check-in) as one row of scalar
subqueries, left joined to the last few days' latest entries (services/yesterday.py: what "same
as yesterday" copies, and today's latest entries, the few the page lists with a link to the
history). It counts today's entries only up to COUNT_CAP, so it costs the same after one entry or
six thousand: both read the end of an index of the day's live entries in the order written.

The statement is built once, with bound parameters: building a statement and working out its
cache key cost more than running it, on a page patients open many times a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Row, bindparam, func, select, true, type_coerce

from diary.extensions import db
from diary.models import Entry, Infusion, User, WeeklyCheckin
from diary.models.types import UTCDateTime
from diary.services import checkins, local_time, yesterday
from diary.services.local_time import local_now, zone

RECENT_SHOWN = 5
# Today's entries are counted up to this many ("100 or more entries today"): counting them all
# would read every one of them.
COUNT_CAP = 100
# Today's latest entries come from the rows "same as yesterday" reads of each day.
if RECENT_SHOWN > yesterday.DAY_ENTRIES_READ:
    raise RuntimeError("today.RECENT_SHOWN: more than yesterday reads of a day")


@dataclass(frozen=True)
class Today:
    day: date
    entries_today: int  # live entries for the patient's local today, at most COUNT_CAP
    recent: list[Row]  # the last RECENT_SHOWN of them (.id, .pain, .recorded_at), newest first
    days_since_infusion: int | None  # since the last infusion that has started (0 on its day)
    checkin: checkins.CheckinDue
    reminder_due: bool
    recent_days: dict[str, dict[str, Any]]  # yesterday.recent_days: what "same as yesterday" copies


_PATIENT = bindparam("patient_id")
_DAY = bindparam("day")
_NOW = bindparam("now")
_LIVE_TODAY = (Entry.patient_id == _PATIENT, Entry.day == _DAY, Entry.deleted_at.is_(None))
_MINE = Infusion.patient_id == _PATIENT
_STATE = select(
    select(func.count())
    .select_from(select(Entry.id).where(*_LIVE_TODAY).limit(COUNT_CAP).subquery())
    .scalar_subquery()
    .label("entries_today"),
    type_coerce(
        select(func.max(Infusion.started_at))
        .where(_MINE, Infusion.started_at <= _NOW)
        .scalar_subquery(),
        UTCDateTime,
    ).label("last_infusion"),
    type_coerce(
        select(func.min(Infusion.started_at))
        .where(_MINE, Infusion.started_at > _NOW)
        .scalar_subquery(),
        UTCDateTime,
    ).label("next_infusion"),
    type_coerce(
        select(func.max(WeeklyCheckin.day))
        .where(WeeklyCheckin.patient_id == _PATIENT)
        .scalar_subquery(),
        Date,
    ).label("last_checkin"),
)
# The page's one statement: the last days' latest entries (yesterday.RECENT, oldest first),
# each row followed by the day's state; one row of state (the entry columns empty) when those
# days have no entry.
_STATE_ROW = _STATE.subquery("state")
_PAGE = (
    select(*yesterday.RECENT.c, *_STATE_ROW.c)
    .select_from(_STATE_ROW.outerjoin(yesterday.RECENT, true()))
    .order_by(*yesterday.RECENT_ORDER)
)
_STATE_AT = len(yesterday.RECENT.c)  # where the state's columns begin in a row


def today(patient: User, *, now: datetime | None = None) -> Today:
    now = now or local_time.utcnow()  # the local calendar's clock (tests set it)
    local = local_now(patient, now)
    day = local.date()
    tz = zone(patient)
    params = yesterday.recent_params(patient, day)
    params.update(day=day, now=now)
    # Plain rows on the session's connection (same transaction): no ORM objects to build.
    rows = db.session.connection().execute(_PAGE, params).all()
    count, last_infusion, next_infusion, last_checkin = rows[0][_STATE_AT:]
    if rows[0].day is None:
        rows = []  # no entry in those days: the one row is the state's
    # The last days' latest entries (at most DAY_ENTRIES_READ a day, oldest first): today's are
    # the last of them, and the latest RECENT_SHOWN of those are today's latest entries.
    recent = [row for row in rows if row.day == day][-RECENT_SHOWN:][::-1]
    since = (day - last_infusion.astimezone(tz).date()).days if last_infusion else None
    upcoming = next_infusion.astimezone(tz).date() if next_infusion else None
    reminder = patient.reminder_time is not None and local.time() >= patient.reminder_time
    return Today(
        day=day,
        entries_today=count,
        recent=recent,
        days_since_infusion=since,
        checkin=checkins.due_from(day, last_checkin, upcoming),
        reminder_due=reminder and count == 0,
        recent_days=yesterday.combined(rows),
    )
