"""What the patient's Today page needs, in two queries whatever the length of the diary: the
day's state (entries so far, last and next infusion, last check-in) as one row of scalar
subqueries, and the last few of today's entries. The page lists only those few, with a link to
the history, and counts today's entries only up to COUNT_CAP, so it costs the same after one entry
or six thousand: both read the end of an index of the day's live entries in the order written.

Both statements are built once, with bound parameters: building a statement and working out its
cache key cost more than running it, on a page patients open many times a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, Row, bindparam, func, select, type_coerce

from diary import measures
from diary.extensions import db
from diary.models import Entry, Infusion, User, WeeklyCheckin
from diary.models.types import UTCDateTime
from diary.services import checkins, local_time
from diary.services.local_time import local_now, zone

RECENT_SHOWN = 5
# Today's entries are counted up to this many ("100 or more entries today"): counting them all
# would read every one of them.
COUNT_CAP = 100


@dataclass(frozen=True)
class Today:
    day: date
    entries_today: int  # live entries for the patient's local today, at most COUNT_CAP
    recent: list[Row]  # (id, pain, recorded_at) of the last RECENT_SHOWN of them, newest first
    days_since_infusion: int | None  # since the last infusion that has started (0 on its day)
    checkin: checkins.CheckinDue
    reminder_due: bool


_PATIENT = bindparam("patient_id")
_DAY = bindparam("day")
_NOW = bindparam("now")
_LIVE_TODAY = (Entry.patient_id == _PATIENT, Entry.day == _DAY, Entry.deleted_at.is_(None))
_MINE = Infusion.patient_id == _PATIENT
_STATE = select(
    select(func.count())
    .select_from(select(Entry.id).where(*_LIVE_TODAY).limit(COUNT_CAP).subquery())
    .scalar_subquery(),
    type_coerce(
        select(func.max(Infusion.started_at))
        .where(_MINE, Infusion.started_at <= _NOW)
        .scalar_subquery(),
        UTCDateTime,
    ),
    type_coerce(
        select(func.min(Infusion.started_at))
        .where(_MINE, Infusion.started_at > _NOW)
        .scalar_subquery(),
        UTCDateTime,
    ),
    type_coerce(
        select(func.max(WeeklyCheckin.day))
        .where(WeeklyCheckin.patient_id == _PATIENT)
        .scalar_subquery(),
        Date,
    ),
)
_RECENT = (
    select(Entry.id, measures.PAIN.of(Entry), Entry.recorded_at)
    .where(*_LIVE_TODAY)
    .order_by(Entry.recorded_at.desc(), Entry.id.desc())
    .limit(RECENT_SHOWN)
)


def today(patient: User, *, now: datetime | None = None) -> Today:
    now = now or local_time.utcnow()  # the local calendar's clock (tests set it)
    local = local_now(patient, now)
    day = local.date()
    tz = zone(patient)
    params = {"patient_id": patient.id, "day": day, "now": now}
    # Plain rows on the session's connection (same transaction): no ORM objects to build.
    connection = db.session.connection()
    count, last_infusion, next_infusion, last_checkin = connection.execute(_STATE, params).one()
    recent = connection.execute(_RECENT, params).all() if count else []
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
    )
