"""A linked patient's infusion sessions (list, record, read, edit) and other treatments."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from diary.api import bp
from diary.api.openapi import documented
from diary.api.params import json_body
from diary.api.schemas import (
    InfusionInSchema,
    InfusionOutSchema,
    TreatmentInSchema,
    TreatmentSchema,
)
from diary.auth import role_required
from diary.models import Role
from diary.services import access, infusions, treatments


@bp.get("/patients/<int:patient_id>/infusions")
@documented(
    "A linked patient's infusion sessions", response=InfusionOutSchema, many=True, errors=(403, 404)
)
@role_required(Role.CLINICIAN)
def list_infusions(patient_id: int):
    patient = access.patient_for(current_user, patient_id, action="infusions.read")
    rows = infusions.list_infusions(patient.id)
    return jsonify(InfusionOutSchema(many=True).dump(rows))


@bp.post("/patients/<int:patient_id>/infusions")
@documented(
    "Record an infusion session (a future start is a scheduled session)",
    request=InfusionInSchema,
    response=InfusionOutSchema,
    status=201,
    errors=(403, 404, 422),
)
@role_required(Role.CLINICIAN)
def create_infusion(patient_id: int):
    patient = access.patient_for(current_user, patient_id, action=None)
    infusion = infusions.create_infusion(patient, current_user, json_body(InfusionInSchema()))
    response = jsonify(InfusionOutSchema().dump(infusion))
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/patients/{patient.id}/infusions/{infusion.id}"
    return response


@bp.get("/patients/<int:patient_id>/infusions/<int:infusion_id>")
@documented("One infusion session", response=InfusionOutSchema, errors=(403, 404))
@role_required(Role.CLINICIAN)
def get_infusion(patient_id: int, infusion_id: int):
    patient = access.patient_for(current_user, patient_id, action="infusions.read")
    infusion = infusions.get_infusion(patient, infusion_id)
    return jsonify(InfusionOutSchema().dump(infusion))


@bp.patch("/patients/<int:patient_id>/infusions/<int:infusion_id>")
@documented(
    "Edit an infusion session (send only the fields that change)",
    request=InfusionInSchema,
    response=InfusionOutSchema,
    errors=(403, 404, 422),
)
@role_required(Role.CLINICIAN)
def update_infusion(patient_id: int, infusion_id: int):
    patient = access.patient_for(current_user, patient_id, action=None)
    infusion = infusions.update_infusion(
        patient, infusion_id, json_body(InfusionInSchema(), partial=True), current_user
    )
    return jsonify(InfusionOutSchema().dump(infusion))


@bp.get("/patients/<int:patient_id>/treatments")
@documented(
    "A linked patient's other treatments (nerve blocks, therapy, medication changes), newest first",
    response=TreatmentSchema,
    many=True,
    errors=(403, 404),
)
@role_required(Role.CLINICIAN)
def list_treatments(patient_id: int):
    patient = access.patient_for(current_user, patient_id, action="treatments.read")
    return jsonify(TreatmentSchema(many=True).dump(treatments.read_treatments(patient)))


@bp.post("/patients/<int:patient_id>/treatments")
@documented(
    "Record another treatment as a dated event (shown on the review's timeline and beside each "
    "course's response)",
    request=TreatmentInSchema,
    response=TreatmentSchema,
    status=201,
    errors=(403, 404, 422),
)
@role_required(Role.CLINICIAN)
def create_treatment(patient_id: int):
    patient = access.patient_for(current_user, patient_id, action=None)
    treatment = treatments.record_treatment(patient, current_user, json_body(TreatmentInSchema()))
    return jsonify(TreatmentSchema().dump(treatment)), 201
