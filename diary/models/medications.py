"""The patient's list of usual medications, ticked on the diary form."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from diary.extensions import db
from diary.models.types import UTCDateTime, utcnow

NAME_MAX = 120
DOSE_MAX = 60


class UsualMedication(db.Model):
    """One medication the patient usually takes, with its dose (free text, e.g. "300 mg").
    Ticked on the form it becomes the line "<name> <dose>" of the entry's medications."""

    __tablename__ = "usual_medications"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    dose: Mapped[str | None] = mapped_column(String(DOSE_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def line(self) -> str:
        """The entry's medication line: "gabapentin 300 mg", or the name alone."""
        return self.line_of(self.name, self.dose)

    @staticmethod
    def line_of(name: str, dose: str | None) -> str:
        return f"{name} {dose}" if dose else name
