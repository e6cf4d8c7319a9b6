"""The review's numbers for a linked patient: key figures, every course's response, and the
review page's charts."""

from __future__ import annotations

from flask import Response, jsonify
from flask_login import current_user

from diary.api import bp
from diary.api.openapi import documented
from diary.api.params import review_range
from diary.api.schemas import ResponsesSchema, ReviewChartsSchema, ReviewSummarySchema
from diary.auth import role_required
from diary.models import Role
from diary.services import access, review, review_cache


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


@bp.get("/patients/<int:patient_id>/review/charts")
@documented(
    "The review page's charts of a linked patient for one range, drawn as SVG on the server "
    "with their numbers as tables (HTML fragments): daily pain (weekly means over a year), "
    "pain around each course, symptoms, body sites, sleep and interference, side effects, "
    "dose and response, safety. Computed once per data version of the patient, like the page",
    response=ReviewChartsSchema,
    query={"range": "30, 90 (default), 180, 365 or all"},
    errors=(403, 404, 422),
)
@role_required(Role.CLINICIAN)
def patient_review_charts(patient_id: int):
    range_key = review_range()
    patient = access.patient_for(current_user, patient_id, action="review.charts.read")
    found = review_cache.review_charts(patient, range_key)
    return Response(found.body, mimetype="application/json")
