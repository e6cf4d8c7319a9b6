"""Loading one patient's review data: four queries, whatever the length of the diary (with a
kept history, the same four of the recent rows only: history.py).

The patient's infusion sessions, their diary combined per day (services/daily_sql.py: one
query), all their weekly check-ins and their other treatments. Everything the
review page, the report, GET /summary and GET /responses show is computed from this, once
(responses.py), so the four cannot disagree. Plain rows, not ORM objects: the view's commit of
the audit event would expire those and the template would then reload each one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, bindparam, cast, select

from diary import analysis
from diary.analysis import DayAggregate
from diary.codes import PROMIS_PI_4A_ITEMS
from diary.extensions import db
from diary.models import Infusion, Treatment, User, WeeklyCheckin, utcnow
from diary.services import daily_sql
from diary.services.local_time import local_today, zone, zone_named

if TYPE_CHECKING:
    from diary.services.review.history import History

INFUSION_COLUMNS = (
    Infusion.id,
    Infusion.started_at,
    Infusion.duration_minutes,
    Infusion.dose_mg,
    Infusion.rate_mg_kg_h,
    Infusion.adjuncts,
    Infusion.pain_pre,
    Infusion.pain_post,
    Infusion.adverse_events,
    Infusion.lab_notes,
    Infusion.notes,
    Infusion.exam_signs,
    Infusion.course_rule,
    Infusion.timezone,
)


@dataclass(frozen=True)
class SessionRecord:
    """One infusion session as recorded, with its start in the patient's local time."""

    id: int
    started_at: datetime  # UTC
    local_start: datetime
    scheduled: bool
    duration_minutes: int | None
    dose_mg: float | None
    rate_mg_kg_h: float | None
    adjuncts: tuple[str, ...]
    pain_pre: int | None
    pain_post: int | None
    adverse_events: str | None
    lab_notes: str | None
    notes: str | None
    exam_signs: tuple[str, ...] | None
    course_rule: str | None

    @property
    def day(self) -> date:
        return self.local_start.date()

    def session(self) -> analysis.Session:
        return analysis.Session(self.id, self.local_start, self.duration_minutes, self.course_rule)


@dataclass(frozen=True, init=False)
class Checkin:
    day: date
    promis_raw: int | None
    pgic: int | None

    def __init__(self, day: date, promis_raw: int | None, pgic: int | None) -> None:
        # Into the instance's dict, as analysis.DayAggregate: object.__setattr__ per field
        # (the generated frozen __init__) costs several times more, 260 times for five years.
        fields = self.__dict__
        fields["day"] = day
        fields["promis_raw"] = promis_raw
        fields["pgic"] = pgic

    @property
    def promis_t(self) -> float | None:
        return analysis.promis_pi_t_score(self.promis_raw)

    @property
    def pgic_responder(self) -> bool | None:
        return analysis.pgic_responder(self.pgic)


@dataclass(frozen=True)
class TreatmentRecord:
    id: int
    day: date
    kind: str
    description: str | None


@dataclass(frozen=True)
class Loaded:
    patient_id: int
    today: date
    now: datetime
    sessions: list[SessionRecord]  # all, in start order (scheduled ones last)
    aggregates: Mapping[date, DayAggregate]
    daily: Mapping[date, float]  # analysis.daily_pain(aggregates), made with them
    checkins: list[Checkin]  # oldest first
    treatments: list[TreatmentRecord]  # oldest first


def load(patient: User, now: datetime | None = None, kept: History | None = None) -> Loaded:
    """The whole record of `patient` (who has been through the access gate), in four queries.
    With `kept` (history.kept, unchanged since it was made: the days before its boundary, and
    the older sessions, check-ins and treatments), the same four of the recent rows only: the
    diary's days from the boundary on, and the sessions, check-ins and treatments not kept (a
    change to those is not a history change), each list joined after the kept one (every kept
    row comes first in its list's order: history.py)."""
    now = now or utcnow()
    if kept is None:
        sessions = _sessions(patient, now)
        aggregates, daily = daily_sql.days_and_pain(patient.id, default_zone=patient.timezone)
        checkins = _checkins(patient)
        treatments = _treatments(patient)
    else:
        # The kept sessions started before the boundary, 35 days back or more: none is still
        # scheduled, unless `now` is earlier than the day the history was kept on.
        sessions = [
            s if s.scheduled == (s.started_at > now) else replace(s, scheduled=not s.scheduled)
            for s in kept.sessions
        ]
        sessions += _sessions(patient, now, since=kept.sessions_from)
        recent, recent_pain = daily_sql.days_and_pain(
            patient.id, default_zone=patient.timezone, start=kept.boundary
        )
        aggregates = {**kept.aggregates, **recent}
        daily = {**kept.daily, **recent_pain}
        checkins = [*kept.checkins, *_checkins(patient, start=kept.boundary)]
        treatments = [*kept.treatments, *_treatments(patient, start=kept.boundary)]
    return Loaded(
        patient_id=patient.id,
        today=local_today(patient, now),
        now=now,
        sessions=sessions,
        aggregates=aggregates,
        daily=daily,
        checkins=checkins,
        treatments=treatments,
    )


def _sessions(patient: User, now: datetime, since: datetime | None = None) -> list[SessionRecord]:
    """The patient's sessions in start order; with `since`, those that started at that instant
    or later (history.py keeps the older ones). Each on the local clock of its own zone (given
    when the patient changed theirs: migration 0018's trigger), else the patient's."""
    tz = zone(patient)
    query = select(*INFUSION_COLUMNS).where(Infusion.patient_id == patient.id)
    if since is not None:
        query = query.where(Infusion.started_at >= since)
    rows = db.session.execute(query.order_by(Infusion.started_at, Infusion.id)).all()
    # Unpacked by position (in INFUSION_COLUMNS' order) and made with positional arguments in
    # SessionRecord's field order: a Row's attribute by name and a dataclass's keyword call
    # each cost several times more.
    return [
        SessionRecord(
            id_,
            started_at,
            started_at.astimezone(zone_named(session_zone) if session_zone else tz),
            started_at > now,
            duration_minutes,
            dose_mg,
            rate_mg_kg_h,
            tuple(adjuncts or ()),
            pain_pre,
            pain_post,
            adverse_events,
            lab_notes,
            notes,
            tuple(exam_signs) if exam_signs is not None else None,
            course_rule,
        )
        for (
            id_,
            started_at,
            duration_minutes,
            dose_mg,
            rate_mg_kg_h,
            adjuncts,
            pain_pre,
            pain_post,
            adverse_events,
            lab_notes,
            notes,
            exam_signs,
            course_rule,
            session_zone,
        ) in rows
    ]


# _checkins' statement by whether it has a start, built once with bound parameters (as
# daily_sql's): SQLAlchemy then reuses its compiled form.
_CHECKINS: dict[bool, Any] = {}


def _checkins_statement(since: bool):
    found = _CHECKINS.get(since)
    if found is None:
        query = select(
            WeeklyCheckin.day, cast(WeeklyCheckin.promis_pi, Text), WeeklyCheckin.pgic
        ).where(WeeklyCheckin.patient_id == bindparam("patient_id"))
        if since:
            query = query.where(WeeklyCheckin.day >= bindparam("start"))
        found = _CHECKINS[since] = query.order_by(WeeklyCheckin.day, WeeklyCheckin.recorded_at)
    return found


def _checkins(patient: User, start: date | None = None) -> list[Checkin]:
    """The patient's check-ins (with `start`, those of that day and later), oldest first, each
    with its PROMIS raw score. The answers are read as their stored JSON text and each distinct
    text parsed and scored once (_promis): a patient's weekly answers repeat, and the same text
    always gives the same score. The rows as the driver gives them (daily_sql.driver_rows: no
    SQLAlchemy Row or conversion per row; the day made a date here)."""
    rows = daily_sql.driver_rows(
        _checkins_statement(start is not None), {"patient_id": patient.id, "start": start}
    )
    day_of = daily_sql.day_reader()
    scores: dict[str | None, int | None] = {}
    checkins = []
    for day, answers, pgic in rows:
        if answers in scores:
            raw = scores[answers]
        else:
            raw = scores[answers] = _promis(json.loads(answers) if answers is not None else None)
        checkins.append(Checkin(day_of(day), raw, pgic))
    return checkins


def _treatments(patient: User, start: date | None = None) -> list[TreatmentRecord]:
    """The patient's other treatments (with `start`, those of that day and later), oldest
    first."""
    query = select(Treatment.id, Treatment.day, Treatment.kind, Treatment.description).where(
        Treatment.patient_id == patient.id
    )
    if start is not None:
        query = query.where(Treatment.day >= start)
    return [
        TreatmentRecord(*row)
        for row in db.session.execute(query.order_by(Treatment.day, Treatment.id))
    ]


def _promis(answers: Mapping[str, int] | None) -> int | None:
    if not answers:
        return None
    try:
        return analysis.promis_pi_raw([answers.get(item.code) for item in PROMIS_PI_4A_ITEMS])
    except ValueError:
        return None
