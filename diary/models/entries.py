"""The patient's diary: entries, their revisions, and weekly check-ins."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

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
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diary.extensions import db
from diary.measures import TEXT_MAX
from diary.models.types import UTCDateTime, utcnow
from diary.models.users import User


def _nrs(name: str) -> CheckConstraint:
    return CheckConstraint(f"{name} IS NULL OR ({name} >= 0 AND {name} <= 10)", name=f"{name}_nrs")


class Entry(db.Model):
    """What a patient reports about one local day. Several a day are allowed.

    `id` may be made by the client (offline), which makes a create idempotent. `day` is the day
    described, `recorded_at` when it was actually recorded: a late entry never passes as on time.
    """

    __tablename__ = "entries"
    __table_args__ = (
        _nrs("pain"),
        _nrs("pain_worst"),
        _nrs("pain_least"),
        _nrs("pain_average"),
        _nrs("sleep_quality"),
        _nrs("peg_enjoyment"),
        _nrs("peg_activity"),
        _nrs("mood"),
        CheckConstraint(
            "sleep_hours IS NULL OR (sleep_hours >= 0 AND sleep_hours <= 24)", name="sleep_hours"
        ),
        Index("ix_entries_patient_day", "patient_id", "day"),
        # Live entries' daily pain, read from the index alone (the dashboard's figures).
        Index(
            "ix_entries_live_patient_day_pain",
            "patient_id",
            "day",
            "pain",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        # Live entries of a day in the order written: the Today page's last few and the last
        # days' answers for "same as yesterday" are read from its end, however many entries the
        # day has (services/today.py, services/yesterday.py).
        Index(
            "ix_entries_live_patient_day_recorded",
            "patient_id",
            "day",
            "recorded_at",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        # The entries someone other than the patient entered (a carer's), by patient and day:
        # the review's carer-logged days and the export's carers read these few, not the
        # patient's whole diary (services/carers.py: its queries say `entered_by_id <>
        # patient_id`, the same words, so both databases use this index).
        Index(
            "ix_entries_by_others_patient_day",
            "patient_id",
            "day",
            postgresql_where=text("entered_by_id <> patient_id"),
            sqlite_where=text("entered_by_id <> patient_id"),
        ),
        Index("uq_entries_patient_import_key", "patient_id", "import_key", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The IANA time zone the entry was made in (the phone's); None for entries made before
    # zones were kept (the patient's zone applies then).
    timezone: Mapped[str | None] = mapped_column(String(64))
    pain: Mapped[int] = mapped_column(Integer)
    pain_worst: Mapped[int | None] = mapped_column(Integer)
    pain_least: Mapped[int | None] = mapped_column(Integer)
    pain_average: Mapped[int | None] = mapped_column(Integer)
    symptoms: Mapped[list[str]] = mapped_column(JSON, default=list)
    body_sites: Mapped[list[str]] = mapped_column(JSON, default=list)
    body_site_other: Mapped[str | None] = mapped_column(String(TEXT_MAX))
    sleep_hours: Mapped[float | None] = mapped_column(Float)
    sleep_quality: Mapped[int | None] = mapped_column(Integer)
    peg_enjoyment: Mapped[int | None] = mapped_column(Integer)
    peg_activity: Mapped[int | None] = mapped_column(Integer)
    mood: Mapped[int | None] = mapped_column(Integer)
    medications: Mapped[list[str]] = mapped_column(JSON, default=list)
    # {side effect code: severity 0-4}
    side_effects: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    side_effect_other: Mapped[str | None] = mapped_column(String(TEXT_MAX))
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Brought in from a file (CSV or FHIR) rather than typed on the phone; `recorded_at` is then
    # the moment of the import. `import_key` is what makes a re-import add nothing: "id:<the
    # file's id>" or "at:<day>T<time>" (see services/imports.py).
    imported: Mapped[bool] = mapped_column(default=False, server_default=false())
    import_key: Mapped[str | None] = mapped_column(String(80))
    # Who typed it: the patient, or a parent or carer logging for them (a proxy entry). None
    # for imported entries and for entries stored before this was kept (the patient's own).
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    # Optimistic concurrency: every UPDATE of an entry says "WHERE version = <the one read>",
    # so of two edits made from the same version only the first is stored. The services raise
    # the version themselves (with the revision they keep).
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    revisions: Mapped[list[EntryRevision]] = relationship(
        back_populates="entry", order_by="EntryRevision.version", cascade="all, delete-orphan"
    )


class EntryRevision(db.Model):
    """The content of an entry as it was before an edit, delete or restore. Append-only."""

    __tablename__ = "entry_revisions"
    # One revision per version of an entry: two edits of the same version cannot both be kept.
    __table_args__ = (UniqueConstraint("entry_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    action: Mapped[str] = mapped_column(String(16))  # edit | delete | restore
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[Entry] = relationship(back_populates="revisions")
    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])


class WeeklyCheckin(db.Model):
    """Weekly (or pre-infusion) PROMIS Pain Interference 4a (1-5 per item) and PGIC (1-7)."""

    __tablename__ = "weekly_checkins"
    __table_args__ = (
        CheckConstraint("pgic IS NULL OR (pgic >= 1 AND pgic <= 7)", name="pgic_range"),
        Index("ix_weekly_checkins_patient_day", "patient_id", "day"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # {item code: answer 1-5}, see codes.PROMIS_PI_4A_ITEMS
    promis_pi: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    pgic: Mapped[int | None] = mapped_column(Integer)
