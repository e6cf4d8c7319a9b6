"""A clinician's patients and their data."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from diary.api import bp
from diary.api.openapi import documented
from diary.api.params import date_range
from diary.api.schemas import EntryOutSchema, PatientSummarySchema
from diary.auth import role_required
from diary.models import Role
from diary.services import access, dashboard, entries
from diary.services.local_time import local_today


@bp.get("/patients")
@documented(
    "My linked patients, most in need of attention first",
    response=PatientSummarySchema,
    many=True,
    errors=(403,),
)
@role_required(Role.CLINICIAN)
def list_patients():
    summaries = dashboard.patient_summaries(current_user, local_today(current_user))
    return jsonify(PatientSummarySchema(many=True).dump(summaries))


@bp.get("/patients/<int:patient_id>/entries")
@documented(
    "A linked patient's entries, oldest first",
    response=EntryOutSchema,
    many=True,
    query={"from": "first day, YYYY-MM-DD", "to": "last day, YYYY-MM-DD"},
    errors=(403, 404, 422),
)
@role_required(Role.CLINICIAN)
def patient_entries(patient_id: int):
    patient = access.patient_for(current_user, patient_id, action="entries.read")
    start, end = date_range()
    rows = entries.list_entries(patient.id, start, end)
    return jsonify(EntryOutSchema(many=True).dump(rows))
