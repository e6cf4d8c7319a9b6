"""Infusion sessions, recorded by the clinician. One in the future is a scheduled session."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diary.extensions import db
from diary.models.types import UTCDateTime, utcnow
from diary.models.users import User


class Infusion(db.Model):
    __tablename__ = "infusions"
    __table_args__ = (
        CheckConstraint("pain_pre IS NULL OR (pain_pre >= 0 AND pain_pre <= 10)", name="pain_pre"),
        CheckConstraint(
            "pain_post IS NULL OR (pain_post >= 0 AND pain_post <= 10)", name="pain_post"
        ),
        Index("ix_infusions_patient_started", "patient_id", "started_at"),
        Index("uq_infusions_patient_import_key", "patient_id", "import_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    clinician_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    dose_mg: Mapped[float | None] = mapped_column(Float)  # total dose
    rate_mg_kg_h: Mapped[float | None] = mapped_column(Float)
    adjuncts: Mapped[list[str]] = mapped_column(JSON, default=list)
    pain_pre: Mapped[int | None] = mapped_column(Integer)
    pain_post: Mapped[int | None] = mapped_column(Integer)
    adverse_events: Mapped[str | None] = mapped_column(Text)
    lab_notes: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    # Clinician-observed CSS signs (codes.EXAM_SIGNS); None when no exam was recorded.
    exam_signs: Mapped[list[str] | None] = mapped_column(JSON)
    # The clinician's override of the course grouping (analysis.CourseRule); None: automatic.
    course_rule: Mapped[str | None] = mapped_column(String(16))
    # The IANA zone the session's local day is counted in: the patient's zone at the time,
    # kept when the patient changes theirs (services/settings.py); None: the patient's zone.
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Brought in from a CSV of past sessions (see services/infusion_import.py).
    imported: Mapped[bool] = mapped_column(default=False, server_default=false())
    import_key: Mapped[str | None] = mapped_column(String(80))

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    clinician: Mapped[User | None] = relationship(foreign_keys=[clinician_id])


class Treatment(db.Model):
    """Another treatment the clinic coordinates (a nerve block, a course of physical or
    occupational therapy, a medication change), recorded by the clinician as a dated event so
    that a change in pain is not credited to the wrong treatment."""

    __tablename__ = "treatments"
    __table_args__ = (Index("ix_treatments_patient_day", "patient_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    clinician_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    day: Mapped[date] = mapped_column(Date)  # the patient's local day it happened or started
    kind: Mapped[str] = mapped_column(String(32))  # services.treatments.KINDS
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
