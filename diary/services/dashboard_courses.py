"""The last course of each patient on the dashboard, grouped by the review's rule
(analysis.group_courses, on the sessions' local start and duration and the clinician's
override), so that the dashboard's baseline is the week before the course's first session and
its change and relief are counted from the day its last session ended, as on the review.

One statement gives each patient's last session started from LOOKBACK before the dashboard's
window on, with the start of the session before it. The last session is a course of its own
when the clinician set it to start one, or when it began more than WHOLE_AFTER after the one
before (or there is none): every session of the course before started by then and lasted at most
DURATION_MAX_MINUTES, so it ended more than COURSE_GAP_DAYS (and a margin) before. That is every
patient of a clinic whose sessions are weeks apart. The others' sessions from that instant on
are read (a second statement) and grouped. The course grouped from those is the review's when
its first session began at least WHOLE_AFTER after the first instant read (an older session
cannot have joined it, by the same bound); otherwise (a course that began near or before the
first instant read, or whose first session read joins an older one by the clinician's rule)
that patient's sessions are read again, all of them: a third statement, only for those
patients.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import aliased

from diary import analysis
from diary.extensions import db
from diary.models import CareLink, Infusion
from diary.services.infusions import DURATION_MAX_MINUTES
from diary.services.local_time import zone_named

LOOKBACK = timedelta(days=31)
WHOLE_AFTER = timedelta(minutes=DURATION_MAX_MINUTES, days=analysis.COURSE_GAP_DAYS + 2)


@dataclass(frozen=True)
class LastCourse:
    """The days of a patient's last course, on their calendar."""

    first_day: date  # its first session's day: the baseline is the 7 days before it
    end_day: date  # the day its last session ended: change and relief are counted after it


_PAST = (
    select(
        Infusion.patient_id,
        Infusion.id,
        Infusion.started_at,
        Infusion.duration_minutes,
        Infusion.course_rule,
        Infusion.timezone,
    )
    .where(
        Infusion.patient_id.in_(bindparam("patients", expanding=True)),
        Infusion.started_at <= bindparam("now"),
    )
    .order_by(Infusion.patient_id, Infusion.started_at, Infusion.id)
)
_PAST_SINCE = _PAST.where(Infusion.started_at >= bindparam("since"))
# A list of patient ids longer than this is given as their clinician's instead: PostgreSQL
# checks a long list against every session row (9 ms for 2,000 ids), a join with the
# clinician's links costs little.
IDS_AT_MOST = 100


def _tails(scope) -> Select:
    """Each patient's (of `scope`) last session started from :since to :now (one row each, but
    for sessions started at the same instant), with the start of the one before it (None
    without one): an index lookup per patient for that one (ix_infusions_patient_started)."""
    last = (
        select(Infusion.patient_id, func.max(Infusion.started_at).label("at"))
        .where(
            scope,
            Infusion.started_at <= bindparam("now"),
            Infusion.started_at >= bindparam("since"),
        )
        .group_by(Infusion.patient_id)
        .subquery()
    )
    before = aliased(Infusion)
    return select(
        Infusion.patient_id,
        Infusion.started_at,
        Infusion.duration_minutes,
        Infusion.course_rule,
        Infusion.timezone,
        select(func.max(before.started_at))
        .where(before.patient_id == Infusion.patient_id, before.started_at < Infusion.started_at)
        .scalar_subquery(),
    ).join(last, and_(Infusion.patient_id == last.c.patient_id, Infusion.started_at == last.c.at))


_TAILS_OF_IDS = _tails(Infusion.patient_id.in_(bindparam("patients", expanding=True)))
_TAILS_OF_CLINICIAN = _tails(
    Infusion.patient_id.in_(
        select(CareLink.patient_id).where(CareLink.clinician_id == bindparam("clinician_id"))
    )
)


def last_courses(
    zones: Mapping[int, ZoneInfo], now: datetime, since: datetime, clinician_id: int
) -> dict[int, LastCourse]:
    """The last course of each patient of `zones` (id: their time zone; patients linked to
    `clinician_id`) among the sessions started by `now`; only patients with a session started
    from `since - LOOKBACK` on (a patient without one has none in the window)."""
    if not zones:
        return {}
    first_read = since - LOOKBACK
    params = {"patients": list(zones), "clinician_id": clinician_id, "now": now}
    tails = _TAILS_OF_IDS if len(zones) <= IDS_AT_MOST else _TAILS_OF_CLINICIAN
    out: dict[int, LastCourse] = {}
    grouped: list[int] = []
    for pid, started_at, duration, rule, session_zone, before in db.session.execute(
        tails, params | {"since": first_read}
    ):
        if pid not in zones:  # (the clinician's other patients)
            continue
        alone = rule == analysis.CourseRule.NEW_COURSE or (
            rule is None and (before is None or started_at - before > WHOLE_AFTER)
        )
        if not alone or pid in out:  # (two sessions started at the same instant: grouped)
            grouped.append(pid)
            continue
        local = started_at.astimezone(zone_named(session_zone) if session_zone else zones[pid])
        session = analysis.Session(0, local, duration)
        out[pid] = LastCourse(session.day, session.end_day)
    for pid in grouped:
        out.pop(pid, None)
    if not grouped:
        return out
    read = _sessions(_PAST_SINCE, grouped, now, first_read)
    courses = {pid: _last(sessions, zones[pid]) for pid, sessions in read.items()}
    partial = [
        pid for pid, (course, first) in courses.items() if not _whole(course, first, first_read)
    ]
    if partial:
        for pid, sessions in _sessions(_PAST, partial, now, None).items():
            courses[pid] = _last(sessions, zones[pid])
    return out | {pid: _days(course) for pid, (course, _first) in courses.items()}


def _sessions(statement, patients: list[int], now: datetime, since: datetime | None) -> dict:
    params = {"patients": patients, "now": now, "since": since}
    out: dict[int, list[tuple]] = {}
    for pid, *session in db.session.execute(statement, params):
        out.setdefault(pid, []).append(tuple(session))
    return out


def _last(rows: list[tuple], tz: ZoneInfo) -> tuple[analysis.Course, tuple[datetime, str | None]]:
    """The last course grouped from the patient's sessions read (in start order), each on the
    clock of its own zone (kept when the patient changed theirs) else the patient's `tz`, and
    the first session read (its start, UTC, and its rule)."""
    sessions = [
        analysis.Session(
            sid, started_at.astimezone(zone_named(zone) if zone else tz), duration, rule
        )
        for sid, started_at, duration, rule, zone in rows
    ]
    first = rows[0]
    return analysis.group_courses(sessions)[-1], (first[1], first[3])


def _whole(
    course: analysis.Course, first: tuple[datetime, str | None], first_read: datetime
) -> bool:
    """Whether the course grouped from the sessions read is the one all of the patient's
    sessions give (the module's docstring): its first session began WHOLE_AFTER or more after
    `first_read`, the instant reading began, and is not the first session read set by the
    clinician to join the session before it (a session left unread)."""
    first_started, first_rule = first
    start = course.sessions[0].start
    if start == first_started and first_rule == analysis.CourseRule.SAME_COURSE:
        return False
    return start - first_read >= WHOLE_AFTER


def _days(course: analysis.Course) -> LastCourse:
    return LastCourse(course.first_day, course.end_day)
