"""Who may see whom: the one gate every view goes through for patient data.

A patient reaches only their own data; a clinician only patients linked by a CareLink; a parent
or carer only patients linked by a CarerLink (their diary: log, edit, history, trends; never the
clinic's pages). A closed account is no one's to see. Anything else is NotFound (never
Forbidden: we do not confirm that another patient exists).

Reading goes through `patient_for`; writing a diary (entries) through `diary_for`, which lets
in only the patient and their carers. Both check the link on every request, so a carer the
patient removed is refused from the next request on, whatever session they hold.
"""

from __future__ import annotations

from sqlalchemy import BindParameter, exists, select

from diary.errors import NotFound
from diary.extensions import db
from diary.models import CareLink, CarerLink, Role, User
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


def is_carer_of(carer_id: int, patient_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(CarerLink.carer_id == carer_id, CarerLink.patient_id == patient_id)
            )
        )
    )


# Ids past what an Integer column holds name no row (and must not reach PostgreSQL).
ID_MAX = 2**31 - 1


def _patient(patient_id: int) -> User:
    if not 0 < patient_id <= ID_MAX:
        raise NotFound()
    patient = db.session.get(User, patient_id)
    if patient is None or patient.role != Role.PATIENT or patient.closed_at is not None:
        raise NotFound()
    return patient


def record_read(user: User, patient: User, action: str) -> None:
    """`action` on the audit trail, committed at once, as patient_for writes it: for a page
    let in without one (a POST) that then shows the patient's stored data after all (a form
    shown again with its errors, over the stored list)."""
    _let_in(user, patient, action)


def _let_in(user: User, patient: User, action: str | None) -> User:
    if action:
        audit.record(action, actor=user, patient_id=patient.id)
        db.session.commit()
    return patient


def patient_for(user: User, patient_id: int, *, action: str | None = "patient.read") -> User:
    """The patient `patient_id` if `user` may see them, else NotFound.

    When someone other than the patient gets through, `action` is written to the audit trail
    and committed at once, before any of the patient's data is read: the access stays recorded
    even if the page then fails, and no view has to remember to commit it.
    """
    patient = _patient(patient_id)
    if user.id == patient.id:
        return patient
    if user.role == Role.CLINICIAN and is_linked(user.id, patient.id):
        return _let_in(user, patient, action)
    if user.role == Role.CARER and is_carer_of(user.id, patient.id):
        return _let_in(user, patient, action)
    raise NotFound()


def diary_for(user: User, patient_id: int, *, action: str | None = None) -> User:
    """The patient `patient_id` if `user` may write their diary (log, edit, delete, restore
    entries): the patient themself or a linked carer; a clinician never. Else NotFound.
    A carer's access is audited like a clinician's (`action`, committed at once)."""
    patient = _patient(patient_id)
    if user.id == patient.id:
        return patient
    if user.role == Role.CARER and is_carer_of(user.id, patient.id):
        return _let_in(user, patient, action)
    raise NotFound()


def linked_patients_query(clinician: User | BindParameter):
    """The select() of a clinician's linked, active patients, by name. With a bound parameter
    for the clinician's id (a statement built once; its value given at each execution)."""
    clinician_id = clinician if isinstance(clinician, BindParameter) else clinician.id
    return (
        select(User)
        .join(CareLink, CareLink.patient_id == User.id)
        .where(CareLink.clinician_id == clinician_id, User.active.is_(True))
        .order_by(User.display_name, User.id)
    )


def carers_patients_query(carer: User):
    """The select() of a carer's linked, open patients, by name."""
    return (
        select(User)
        .join(CarerLink, CarerLink.patient_id == User.id)
        .where(CarerLink.carer_id == carer.id, User.active.is_(True), User.closed_at.is_(None))
        .order_by(User.display_name, User.id)
    )
