"""Other treatments the clinic coordinates, recorded by the clinician as dated events: nerve
blocks, physical or occupational therapy, medication changes, other. They appear on the review's
timeline and beside each course's response, so a change in pain is not credited to the wrong
treatment. The HTML form and the JSON API both call `record_treatment`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from diary.errors import ValidationError
from diary.models import Treatment, User
from diary.services import clinic_records
from diary.services.field_rules import clean_text
from diary.services.local_time import local_today

KIND_LABELS = {
    "nerve_block": "Nerve block",
    "physical_therapy": "Physical therapy",
    "occupational_therapy": "Occupational therapy",
    "medication_change": "Medication change",
    "other": "Other treatment",
}
DESCRIPTION_MAX = 500
EARLIEST = date(2000, 1, 1)
AHEAD_DAYS = 366


def list_treatments(patient_id: int) -> list[Treatment]:
    """A patient's other treatments, newest first (the patient has been through the gate)."""
    return clinic_records.newest_first(Treatment, Treatment.day, patient_id)


def clean(values: Mapping[str, Any], patient: User) -> dict[str, Any]:
    """day (a date from 2000 up to a year ahead), kind (KIND_LABELS), an optional description
    of at most 500 characters; raises ValidationError with a message per field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    day = values.get("day")
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day.strip())
        except ValueError:
            day = None
    if not isinstance(day, date):
        errors["day"] = ["Enter the date as YYYY-MM-DD."]
    elif day < EARLIEST or day > local_today(patient) + timedelta(days=AHEAD_DAYS):
        errors["day"] = ["Enter a date from 2000 up to a year ahead."]
    else:
        out["day"] = day
    kind = values.get("kind")
    if kind not in KIND_LABELS:
        errors["kind"] = [f"Choose one of: {', '.join(KIND_LABELS.values())}."]
    else:
        out["kind"] = kind
    found: list[str] = []
    out["description"] = clean_text(values.get("description"), DESCRIPTION_MAX, found)
    if found:
        errors["description"] = found
    if errors:
        raise ValidationError(errors=errors)
    return out


def record_treatment(patient: User, clinician: User, values: Mapping[str, Any]) -> Treatment:
    """Store a treatment event for `patient`; committed with its audit event."""
    return clinic_records.create(Treatment, "treatment", patient, clinician, clean(values, patient))


def read_treatments(patient: User) -> list[Treatment]:
    """The list for a page or the API (the access gate has recorded the read)."""
    return list_treatments(patient.id)
