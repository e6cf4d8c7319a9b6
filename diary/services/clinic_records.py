"""What the clinician's dated records of a patient share (infusion sessions, other treatments):
the patient's list, newest first, and a new record stored with its audit event. Each record's
rules (`clean`) stay in its own module (services/infusions.py, services/treatments.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from diary.extensions import db
from diary.models import User
from diary.services import audit

Record = TypeVar("Record")


def newest_first(model: type[Record], when: InstrumentedAttribute, patient_id: int) -> list[Record]:
    """The patient's records of `model`, newest `when` first (ties: the later one first); the
    patient has been through the access gate."""
    return list(
        db.session.scalars(
            select(model)
            .where(model.patient_id == patient_id)  # type: ignore[attr-defined]
            .order_by(when.desc(), model.id.desc())  # type: ignore[attr-defined]
        )
    )


def create(
    model: type[Record], kind: str, patient: User, clinician: User, values: Mapping[str, Any]
) -> Record:
    """Store a record of `model` with `values` (already cleaned) for `patient`, by `clinician`;
    committed with its audit event `<kind>.create`."""
    record = model(patient_id=patient.id, clinician_id=clinician.id, **values)
    db.session.add(record)
    db.session.flush()
    audit.record(
        f"{kind}.create",
        actor=clinician,
        patient_id=patient.id,
        object_type=kind,
        object_id=record.id,  # type: ignore[attr-defined]
    )
    db.session.commit()
    return record
