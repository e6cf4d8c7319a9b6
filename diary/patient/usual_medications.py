"""The patient's list of usual medications: /diary/medications (add, change, remove)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from diary.auth import role_required
from diary.errors import ValidationError
from diary.models import Role
from diary.patient.views import bp
from diary.services import usual_medications


def _form_data() -> dict[str, str]:
    return {"name": request.form.get("name", ""), "dose": request.form.get("dose", "")}


def _page(*, errors=None, editing: int | None = None, values=None, status: int = 200):
    return (
        render_template(
            "patient/usual_medications.html",
            usual=usual_medications.list_usual(current_user),
            errors=errors or {},
            editing=editing,
            values=values or {},
            max_usual=usual_medications.MAX_USUAL,
        ),
        status,
    )


@bp.get("/medications")
@role_required(Role.PATIENT)
def usual_medications_page():
    return _page()


@bp.post("/medications")
@role_required(Role.PATIENT)
def add_medication():
    try:
        medication = usual_medications.add_usual(current_user, _form_data())
    except ValidationError as exc:
        return _page(errors=exc.errors, values=_form_data(), status=422)
    flash(f"Added to your usual medications: {medication.line}.", "ok")
    return redirect(url_for("patient.usual_medications_page"))


@bp.post("/medications/<int:medication_id>")
@role_required(Role.PATIENT)
def update_medication(medication_id: int):
    try:
        medication = usual_medications.update_usual(current_user, medication_id, _form_data())
    except ValidationError as exc:
        return _page(errors=exc.errors, editing=medication_id, values=_form_data(), status=422)
    flash(f"Saved: {medication.line}.", "ok")
    return redirect(url_for("patient.usual_medications_page"))


@bp.post("/medications/<int:medication_id>/delete")
@role_required(Role.PATIENT)
def remove_medication(medication_id: int):
    usual_medications.remove_usual(current_user, medication_id)
    flash("Removed from your usual medications.", "ok")
    return redirect(url_for("patient.usual_medications_page"))
