"""The review's numbers for a linked patient: key figures and every course's response."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from diary.api import bp
from diary.api.openapi import documented
from diary.api.schemas import ResponsesSchema, ReviewSummarySchema
from diary.auth import role_required
from diary.models import Role
from diary.services import access, review


@bp.get("/patients/<int:patient_id>/summary")
@documented(
    "The key figures of a linked patient's review", response=ReviewSummarySchema, errors=(403, 404)
)
@role_required(Role.CLINICIAN)
def patient_summary(patient_id: int):
    patient = access.patient_for(current_user, patient_id, action="summary.read")
    figures = review.summary(patient)
    return jsonify(ReviewSummarySchema().dump(figures))


@bp.get("/patients/<int:patient_id>/responses")
@documented(
    "Every infusion session and course of a linked patient with its response (baseline, "
    "week-1 and best change, relief, dose, outcome measures, side effects, rescue medication, "
    "other treatments): the numbers the review page and the report print",
    response=ResponsesSchema,
    errors=(403, 404),
)
@role_required(Role.CLINICIAN)
def patient_responses(patient_id: int):
    patient = access.patient_for(current_user, patient_id, action="responses.read")
    return jsonify(ResponsesSchema().dump(review.responses(patient)))
