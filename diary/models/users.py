"""Accounts: users, the clinician-patient links, and invitations."""

from __future__ import annotations

import enum
from datetime import datetime, time

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diary.extensions import db
from diary.models.types import UTCDateTime, utcnow


class Role(enum.StrEnum):
    PATIENT = "patient"
    CLINICIAN = "clinician"
    ADMIN = "admin"
    # A parent or carer who logs for one or more patients (linked by a CarerLink).
    CARER = "carer"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    display_name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(default=True)
    # The daily time after which the diary reminds a patient who has not logged today.
    reminder_time: Mapped[time | None] = mapped_column(Time)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A patient's data version: the database's triggers raise it with each change to their
    # entries, infusions, check-ins or treatments, in the same statement
    # (diary.services.data_version). Caches of computed reviews are keyed by it, so none can
    # outlive a change.
    data_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Raised with data_version by every change that is not to a recent day's entries (older
    # days, infusions, check-ins, treatments, time zone): what the review computed from the
    # older days is kept under it (services/review/history.py).
    history_version: Mapped[int] = mapped_column(default=0, server_default="0")

    # Set when the account was closed: the row stays as a tombstone with no personal data, so
    # the audit trail's references still resolve (services/closing.py).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Part of every session cookie: raising it ends every session and remember token of the
    # user at once (sign-out, password change, deactivation, "sign out everywhere").
    session_generation: Mapped[int] = mapped_column(default=1, server_default="1")

    def get_id(self) -> str:
        """What the session cookie stores: the id and the session generation it was made in."""
        return f"{self.id}:{self.session_generation}"

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_clinician(self) -> bool:
        return self.role == Role.CLINICIAN

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_carer(self) -> bool:
        return self.role == Role.CARER

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class RememberToken(db.Model):
    """A "keep me signed in" cookie: random, only its SHA-256 stored, expiring, and valid only
    for the session generation it was made in."""

    __tablename__ = "remember_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_generation: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class CareLink(db.Model):
    """A clinician's access to a patient. A clinician reads a patient only through one."""

    __tablename__ = "care_links"

    clinician_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    clinician: Mapped[User] = relationship(foreign_keys=[clinician_id])
    patient: Mapped[User] = relationship(foreign_keys=[patient_id])


class Invitation(db.Model):
    """A single-use join link. Only the token's SHA-256 is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    clinician_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    clinician: Mapped[User] = relationship(foreign_keys=[clinician_id])


class CarerLink(db.Model):
    """A parent's or carer's access to a patient's diary: they log, edit and read it for the
    patient. Many-to-many: one carer may care for two children, a patient may have two carers."""

    __tablename__ = "carer_links"

    carer_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # The patient or the clinician whose invitation made the link.
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    carer: Mapped[User] = relationship(foreign_keys=[carer_id])
    patient: Mapped[User] = relationship(foreign_keys=[patient_id])


class CarerInvitation(db.Model):
    """A single-use link inviting a parent or carer (by email) to log for a patient. Only the
    token's SHA-256 is stored."""

    __tablename__ = "carer_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
