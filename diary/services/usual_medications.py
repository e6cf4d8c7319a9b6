"""The patient's usual medications: a short list of names and doses, kept by the patient and
ticked on the diary form (each ticked one is a line of the entry's medications, "name dose").

Only the patient sees and changes their list: another user's id is NotFound, as for entries.
Closing the account deletes the list (services/closing.py); the archive holds it
(services/archive.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, func, select

from diary import measures
from diary.errors import NotFound, ValidationError
from diary.extensions import db
from diary.models import Role, User, UsualMedication
from diary.models.medications import DOSE_MAX, NAME_MAX
from diary.services import access
from diary.services.field_rules import clean_text

MAX_USUAL = measures.LINES_MAX
NAME_REQUIRED = "Enter the medication's name."
DUPLICATE = "This medication with this dose is already in your list."
# A tick puts "name dose" into the entry as one line: a ';' or a line break would make it two.
ONE_LINE = "Keep this on one line, without a ;."
TOO_MANY = f"Your list holds at most {MAX_USUAL} medications: remove one first."


def list_usual(user: User) -> list[UsualMedication]:
    """The patient's usual medications, by name."""
    patient = access.patient_for(user, user.id)
    return list(
        db.session.scalars(
            select(UsualMedication)
            .where(UsualMedication.patient_id == patient.id)
            .order_by(func.lower(UsualMedication.name), UsualMedication.id)
        )
    )


# Built once (the diary page runs it on every visit): the list's lines, by name.
_LINES = (
    select(UsualMedication.name, UsualMedication.dose)
    .where(UsualMedication.patient_id == bindparam("patient_id"))
    .order_by(func.lower(UsualMedication.name), UsualMedication.id)
)


def usual_lines(user: User) -> list[str]:
    """The medication lines of the list (what a tick puts into an entry), by name: the same
    lines as `UsualMedication.line` of `list_usual`, read as plain rows. Only a patient's own
    list, as `access.patient_for(user, user.id)` allows: `user` is already the session's object
    (the diary page's patient), so its role and state are checked on it, without looking it up."""
    if user.role != Role.PATIENT or user.closed_at is not None:
        raise NotFound()
    rows = db.session.connection().execute(_LINES, {"patient_id": user.id})
    return [UsualMedication.line_of(name, dose) for name, dose in rows]


def get_usual(user: User, medication_id: int) -> UsualMedication:
    """One of the patient's medications; another's (or none) is NotFound."""
    patient = access.patient_for(user, user.id)
    medication = db.session.get(UsualMedication, medication_id)
    if medication is None or medication.patient_id != patient.id:
        raise NotFound("This medication is not in your list.")
    return medication


def _clean(user: User, data: dict[str, Any], current: UsualMedication | None) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    name_errors: list[str] = []
    dose_errors: list[str] = []
    name = clean_text(data.get("name"), NAME_MAX, name_errors)
    dose = clean_text(data.get("dose"), DOSE_MAX, dose_errors)
    if name is None and not name_errors:
        name_errors.append(NAME_REQUIRED)
    for text, field_errors in ((name, name_errors), (dose, dose_errors)):
        if text and not field_errors and (measures.LIST_SEPARATOR in text or "\n" in text):
            field_errors.append(ONE_LINE)
    if name is not None and not dose_errors:
        line = f"{name} {dose}" if dose else name
        others = [m for m in list_usual(user) if current is None or m.id != current.id]
        if any(m.line.casefold() == line.casefold() for m in others):
            name_errors.append(DUPLICATE)
        elif current is None and len(others) >= MAX_USUAL:
            name_errors.append(TOO_MANY)
    if name_errors:
        errors["name"] = name_errors
    if dose_errors:
        errors["dose"] = dose_errors
    if errors:
        raise ValidationError(errors=errors)
    return name, dose


def add_usual(user: User, data: dict[str, Any]) -> UsualMedication:
    """Add {name, dose} to the patient's list (422 per field when it cannot be). Commits."""
    name, dose = _clean(user, data, None)
    medication = UsualMedication(patient_id=user.id, name=name, dose=dose)
    db.session.add(medication)
    db.session.commit()
    return medication


def update_usual(user: User, medication_id: int, data: dict[str, Any]) -> UsualMedication:
    """Change the name and dose of one of the patient's medications. Commits."""
    medication = get_usual(user, medication_id)
    name, dose = _clean(user, data, medication)
    medication.name, medication.dose = name, dose
    db.session.commit()
    return medication


def remove_usual(user: User, medication_id: int) -> None:
    """Remove one of the patient's medications (entries that named it keep their lines). Commits."""
    medication = get_usual(user, medication_id)
    db.session.execute(delete(UsualMedication).where(UsualMedication.id == medication.id))
    db.session.commit()
