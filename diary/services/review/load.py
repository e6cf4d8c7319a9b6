"""Loading one patient's review data: five queries, whatever the length of the diary (with a
kept history, the same five of the recent rows only: history.py).

The patient's infusion sessions, their diary combined per day by the database
(services/daily_sql.py: two queries), all their weekly check-ins and their other treatments.
Everything the
review page, the report, GET /summary and GET /responses show is computed from this, once
(responses.py), so the four cannot disagree. Plain rows, not ORM objects: the view's commit of
the audit event would expire those and the template would then reload each one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from diary import analysis
from diary.analysis import DayAggregate
from diary.codes import PROMIS_PI_4A_ITEMS
from diary.extensions import db
from diary.models import Infusion, Treatment, User, WeeklyCheckin, utcnow
from diary.services import daily_sql
from diary.services.local_time import local_today, zone

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


@dataclass(frozen=True)
class Checkin:
    day: date
    promis_raw: int | None
    pgic: int | None

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
    daily: Mapping[date, float]  # analysis.daily_pain(aggregates), made once
    checkins: list[Checkin]  # oldest first
    treatments: list[TreatmentRecord]  # oldest first


def load(patient: User, now: datetime | None = None, kept: History | None = None) -> Loaded:
    """The whole record of `patient` (who has been through the access gate), in five queries.
    With `kept` (history.kept, unchanged since it was made: the days before its boundary, and
    the older sessions, check-ins and treatments), five of the recent rows only: the diary's
    days from the boundary on (two), and the sessions, check-ins and treatments not kept (a
    change to those is not a history change), each list joined after the kept one (every kept
    row comes first in its list's order: history.py)."""
    now = now or utcnow()
    if kept is None:
        sessions = _sessions(patient, now)
        aggregates = daily_sql.day_aggregates(patient.id, default_zone=patient.timezone)
        daily = analysis.daily_pain(aggregates)
        checkins = _checkins(patient)
        treatments = _treatments(patient)
    else:
        # The kept sessions started before the boundary, 35 days back or more: none is still
        # scheduled, unless `now` is earlier than the day the history was kept on.
        sessions = [
            s if s.scheduled == (s.started_at > now) else replace(s, scheduled=not s.scheduled)
            for s in kept.sessions
        ]
        sessions += _sessions_from(patient, now, kept.sessions_from)
        recent = daily_sql.day_aggregates(
            patient.id, default_zone=patient.timezone, start=kept.boundary
        )
        aggregates = {**kept.aggregates, **recent}
        daily = {**kept.daily, **analysis.daily_pain(recent)}
        checkins = [*kept.checkins, *_checkins_from(patient, kept.boundary)]
        treatments = [*kept.treatments, *_treatments_from(patient, kept.boundary)]
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


def _sessions(patient: User, now: datetime) -> list[SessionRecord]:
    tz = zone(patient)
    rows = db.session.execute(
        select(*INFUSION_COLUMNS)
        .where(Infusion.patient_id == patient.id)
        .order_by(Infusion.started_at, Infusion.id)
    ).all()
    return [
        SessionRecord(
            id=r.id,
            started_at=r.started_at,
            local_start=r.started_at.astimezone(tz),
            scheduled=r.started_at > now,
            duration_minutes=r.duration_minutes,
            dose_mg=r.dose_mg,
            rate_mg_kg_h=r.rate_mg_kg_h,
            adjuncts=tuple(r.adjuncts or ()),
            pain_pre=r.pain_pre,
            pain_post=r.pain_post,
            adverse_events=r.adverse_events,
            lab_notes=r.lab_notes,
            notes=r.notes,
            exam_signs=tuple(r.exam_signs) if r.exam_signs is not None else None,
            course_rule=r.course_rule,
        )
        for r in rows
    ]


def _checkins(patient: User) -> list[Checkin]:
    return [
        Checkin(day=c.day, promis_raw=_promis(c.promis_pi), pgic=c.pgic)
        for c in db.session.execute(
            select(WeeklyCheckin.day, WeeklyCheckin.promis_pi, WeeklyCheckin.pgic)
            .where(WeeklyCheckin.patient_id == patient.id)
            .order_by(WeeklyCheckin.day, WeeklyCheckin.recorded_at)
        )
    ]


def _treatments(patient: User) -> list[TreatmentRecord]:
    return [
        TreatmentRecord(t.id, t.day, t.kind, t.description)
        for t in db.session.execute(
            select(Treatment.id, Treatment.day, Treatment.kind, Treatment.description)
            .where(Treatment.patient_id == patient.id)
            .order_by(Treatment.day, Treatment.id)
        )
    ]


def _sessions_from(patient: User, now: datetime, since: datetime) -> list[SessionRecord]:
    """The sessions that started at `since` or later, made as _sessions makes them (history.py
    keeps the older ones)."""
    tz = zone(patient)
    rows = db.session.execute(
        select(*INFUSION_COLUMNS)
        .where(Infusion.patient_id == patient.id, Infusion.started_at >= since)
        .order_by(Infusion.started_at, Infusion.id)
    ).all()
    return [
        SessionRecord(
            id=r.id,
            started_at=r.started_at,
            local_start=r.started_at.astimezone(tz),
            scheduled=r.started_at > now,
            duration_minutes=r.duration_minutes,
            dose_mg=r.dose_mg,
            rate_mg_kg_h=r.rate_mg_kg_h,
            adjuncts=tuple(r.adjuncts or ()),
            pain_pre=r.pain_pre,
            pain_post=r.pain_post,
            adverse_events=r.adverse_events,
            lab_notes=r.lab_notes,
            notes=r.notes,
            exam_signs=tuple(r.exam_signs) if r.exam_signs is not None else None,
            course_rule=r.course_rule,
        )
        for r in rows
    ]


def _checkins_from(patient: User, start: date) -> list[Checkin]:
    """The check-ins of `start` and later days, as _checkins makes them."""
    return [
        Checkin(day=c.day, promis_raw=_promis(c.promis_pi), pgic=c.pgic)
        for c in db.session.execute(
            select(WeeklyCheckin.day, WeeklyCheckin.promis_pi, WeeklyCheckin.pgic)
            .where(WeeklyCheckin.patient_id == patient.id, WeeklyCheckin.day >= start)
            .order_by(WeeklyCheckin.day, WeeklyCheckin.recorded_at)
        )
    ]


def _treatments_from(patient: User, start: date) -> list[TreatmentRecord]:
    """The treatments of `start` and later days, as _treatments makes them."""
    return [
        TreatmentRecord(t.id, t.day, t.kind, t.description)
        for t in db.session.execute(
            select(Treatment.id, Treatment.day, Treatment.kind, Treatment.description)
            .where(Treatment.patient_id == patient.id, Treatment.day >= start)
            .order_by(Treatment.day, Treatment.id)
        )
    ]


def _promis(answers: Mapping[str, int] | None) -> int | None:
    if not answers:
        return None
    try:
        return analysis.promis_pi_raw([answers.get(item.code) for item in PROMIS_PI_4A_ITEMS])
    except ValueError:
        return None
