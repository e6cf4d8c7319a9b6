"""Exports of a patient's data: CSV and FHIR R4, for the patient and their clinicians."""

from __future__ import annotations

from flask import Response, stream_with_context
from flask_login import current_user

from diary.api import bp
from diary.api.openapi import documented
from diary.auth import role_required
from diary.models import Role, User
from diary.services import access, exports


def _csv(patient: User) -> Response:
    response = Response(exports.entries_csv(patient), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="diary-{patient.id}.csv"'
    return response


def _fhir(patient: User) -> Response:
    """Streamed: the first bytes leave before the last entry is read."""
    response = Response(
        stream_with_context(exports.fhir_chunks(patient)), mimetype="application/fhir+json"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="diary-{patient.id}.fhir.json"'
    return response


def _linked(patient_id: int, action: str) -> User:
    return access.patient_for(current_user, patient_id, action=action)


@bp.get("/me/export.csv")
@documented("My diary as CSV, one row per entry", content_type="text/csv", errors=(403,))
@role_required(Role.PATIENT)
def my_csv():
    return _csv(current_user)


@bp.get("/me/fhir")
@documented("My diary as a FHIR R4 Bundle", content_type="application/fhir+json", errors=(403,))
@role_required(Role.PATIENT)
def my_fhir():
    return _fhir(current_user)


@bp.get("/patients/<int:patient_id>/export.csv")
@documented("A linked patient's diary as CSV", content_type="text/csv", errors=(403, 404))
@role_required(Role.CLINICIAN)
def patient_csv(patient_id: int):
    return _csv(_linked(patient_id, "export.csv"))


@bp.get("/patients/<int:patient_id>/fhir")
@documented(
    "A linked patient's diary as a FHIR R4 Bundle",
    content_type="application/fhir+json",
    errors=(403, 404),
)
@role_required(Role.CLINICIAN)
def patient_fhir(patient_id: int):
    return _fhir(_linked(patient_id, "export.fhir"))
