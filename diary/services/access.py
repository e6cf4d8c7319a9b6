"""Who may see whom: the one gate every view goes through for patient data.

A patient reaches only their own data; a clinician only patients linked by a CareLink. A closed
account is no one's to see. Anything else is NotFound (never Forbidden: we do not confirm that
another patient exists).
"""

from __future__ import annotations

from sqlalchemy import exists, select

from diary.errors import NotFound
from diary.extensions import db
from diary.models import CareLink, Role, User
from diary.services import audit


def is_linked(clinician_id: int, patient_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    CareLink.clinician_id == clinician_id, CareLink.patient_id == patient_id
                )
            )
        )
    )


def patient_for(user: User, patient_id: int, *, action: str | None = "patient.read") -> User:
    """The patient `patient_id` if `user` may see them, else NotFound.

    When someone other than the patient gets through, `action` is written to the audit trail
    and committed at once, before any of the patient's data is read: the access stays recorded
    even if the page then fails, and no view has to remember to commit it.
    """
    patient = db.session.get(User, patient_id)
    if patient is None or patient.role != Role.PATIENT or patient.closed_at is not None:
        raise NotFound()
    if user.id == patient.id:
        return patient
    if user.role == Role.CLINICIAN and is_linked(user.id, patient.id):
        if action:
            audit.record(action, actor=user, patient_id=patient.id)
            db.session.commit()
        return patient
    raise NotFound()


def linked_patients_query(clinician: User):
    """The select() of a clinician's linked, active patients, by name."""
    return (
        select(User)
        .join(CareLink, CareLink.patient_id == User.id)
        .where(CareLink.clinician_id == clinician.id, User.active.is_(True))
        .order_by(User.display_name, User.id)
    )
