"""The patient's list of usual medications (ticked on the diary form)."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from diary.api import bp
from diary.api.openapi import documented
from diary.api.params import json_body
from diary.api.schemas import UsualMedicationInSchema, UsualMedicationSchema
from diary.auth import role_required
from diary.models import Role
from diary.services import usual_medications

MEDICATION_IN = UsualMedicationInSchema()
MEDICATION_OUT = UsualMedicationSchema()


@bp.get("/me/medications")
@documented(
    "My usual medications, by name", response=UsualMedicationSchema, many=True, errors=(403,)
)
@role_required(Role.PATIENT)
def list_medications():
    return jsonify(MEDICATION_OUT.dump(usual_medications.list_usual(current_user), many=True))


@bp.post("/me/medications")
@documented(
    "Add a usual medication with its dose",
    request=UsualMedicationInSchema,
    response=UsualMedicationSchema,
    status=201,
    errors=(403, 422),
)
@role_required(Role.PATIENT)
def add_medication():
    medication = usual_medications.add_usual(current_user, json_body(MEDICATION_IN))
    return jsonify(MEDICATION_OUT.dump(medication)), 201


@bp.put("/me/medications/<int:medication_id>")
@documented(
    "Change the name and dose of one of my usual medications",
    request=UsualMedicationInSchema,
    response=UsualMedicationSchema,
    errors=(403, 404, 422),
)
@role_required(Role.PATIENT)
def update_medication(medication_id: int):
    usual_medications.get_usual(current_user, medication_id)  # another's: 404 before the body
    medication = usual_medications.update_usual(
        current_user, medication_id, json_body(MEDICATION_IN)
    )
    return jsonify(MEDICATION_OUT.dump(medication))


@bp.delete("/me/medications/<int:medication_id>")
@documented("Remove one of my usual medications", status=204, errors=(403, 404))
@role_required(Role.PATIENT)
def remove_medication(medication_id: int):
    usual_medications.remove_usual(current_user, medication_id)
    return "", 204
