"""The clinician's pages: dashboard, patient review, pre-visit report, infusion sessions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from diary import analysis, charts
from diary.auth import role_required
from diary.clinic import dashboard_rows, review_rows
from diary.clinic.infusion_form import form_values, infusion_from_form
from diary.codes import EXAM_SIGNS, PGIC_ANSWERS, SEVERITIES, SIDE_EFFECTS, label
from diary.errors import ValidationError
from diary.models import Role, utcnow
from diary.services import (
    access,
    carers,
    dashboard,
    data_import,
    infusions,
    review,
    review_cache,
    treatments,
)
from diary.services.local_time import local_today, session_zone, zone
from diary.services.review import body_map as review_body_map

bp = Blueprint("clinic", __name__, url_prefix="/clinic")

DEFINITIONS = {
    "mean7": analysis.MEAN_PAIN_7_DAYS_DEFINITION,
    "change": analysis.CHANGE_DEFINITION,
    "response": analysis.RESPONSE_DEFINITION,
    "relief": analysis.RELIEF_DEFINITION,
    "course": analysis.COURSE_DEFINITION,
    "relief_trend": analysis.RELIEF_TREND_DEFINITION,
    "pain_back": review.PAIN_BACK_DEFINITION,
    "outcomes": review.OUTCOMES_DEFINITION,
    "safety": analysis.SAFETY_DEFINITION,
    "rescue": analysis.RESCUE_DEFINITION,
    "adherence": analysis.ADHERENCE_DEFINITION,
    "on_time": analysis.ON_TIME_DEFINITION,
    "flares": analysis.FLARE_DEFINITION,
    "css": review.CSS_DEFINITION,
    "attention": dashboard.ATTENTION_DEFINITION,
}


@bp.context_processor
def _clinic_context() -> dict:
    return {
        "definitions": DEFINITIONS,
        "responder_labels": analysis.RESPONDER_LABELS,
        "range_labels": review.RANGE_LABELS,
        "severities": SEVERITIES,
        "safety_codes": [(c, label(SIDE_EFFECTS, c)) for c in analysis.SAFETY_TREND_CODES],
        "treatment_kinds": treatments.KIND_LABELS,
        "pgic_answers": PGIC_ANSWERS,
        "course_name": review.course_name,
        "course_rows": review_rows.course_rows,
        "session_rows": review_rows.session_rows,
    }


@bp.get("", endpoint="dashboard")
@role_required(Role.CLINICIAN)
def dashboard_page():
    listing = dashboard.dashboard_page(
        current_user,
        local_today(current_user),
        page=request.args.get("page", 1, type=int) or 1,
        query=request.args.get("q", ""),
    )
    return render_template(
        "clinic/dashboard.html",
        listing=listing,
        patients=listing.patients,
        rows=dashboard_rows.page_rows(listing) if listing.patients else "",
    )


@bp.get("/patients/<int:patient_id>")
@role_required(Role.CLINICIAN)
def review_page(patient_id: int):
    patient = access.patient_for(current_user, patient_id, action="review.read")
    page = review_cache.review_page(
        patient, request.args.get("range"), render=lambda page: _review_parts(patient, page)
    )
    return render_template(
        "clinic/review.html",
        page=page,
        patient=patient,
        key=page.key,
        proxy_days=carers.proxy_days(patient, page.start, page.end),
        weekly_note=charts.WEEKLY_NOTE,
    )


def _review_parts(patient, page: review.ReviewPage) -> dict[str, Markup]:
    """The review's parts that depend on the computed page alone, rendered once and kept with
    it (review_cache.review_page): the key figures, the course and session tables, the side
    effects and notes, and the body map. The body map, counted from the loaded days, comes with
    the page (ReviewPage.body_map) and is dropped once drawn: the cached page keeps its HTML."""
    body_map = page.body_map or review_body_map.body_map(patient, page.start, page.end)
    page.body_map = None
    parts = {
        part: _render("clinic/_review_parts.html", part=part, page=page, patient=patient)
        for part in ("key", "tables", "notes")
    }
    return {**parts, "body_map": _render("clinic/_body_map.html", body_map_review=body_map)}


def _render(template: str, **context) -> Markup:
    return Markup(render_template(template, **context))  # noqa: S704 (Jinja autoescapes)


@bp.get("/patients/<int:patient_id>/report")
@role_required(Role.CLINICIAN)
def report(patient_id: int):
    patient = access.patient_for(current_user, patient_id, action="report.read")
    summary = review_cache.report(patient)
    start, end = summary.key.period_start, summary.key.period_end
    return render_template(
        "clinic/report.html",
        report=summary,
        patient=patient,
        key=summary.key,
        proxy_days=carers.proxy_days(patient, start, end),
        body_map_review=review_body_map.body_map(patient, start, end),
        heading=2,
    )


@bp.get("/patients/<int:patient_id>/infusions")
@role_required(Role.CLINICIAN)
def infusion_list(patient_id: int):
    patient = access.patient_for(current_user, patient_id, action="infusions.read")
    rows = infusions.list_infusions(patient.id)
    return render_template(
        "clinic/infusions.html",
        patient=patient,
        infusions=rows,
        tz=zone(patient),
        session_zone=session_zone,
        now=utcnow(),
    )


@bp.route("/patients/<int:patient_id>/infusions/new", methods=["GET", "POST"])
@role_required(Role.CLINICIAN)
def new_infusion(patient_id: int):
    patient = access.patient_for(
        current_user, patient_id, action="infusions.read" if request.method == "GET" else None
    )
    if request.method == "POST":
        try:
            values = infusion_from_form(request.form, zone(patient))
            infusions.create_infusion(patient, current_user, values)
        except ValidationError as exc:
            return _form(patient, None, request.form, exc.errors or {}, 422)
        flash("Infusion session saved.", "ok")
        return redirect(url_for("clinic.infusion_list", patient_id=patient.id))
    return _form(patient, None, form_values(None, zone(patient)), {})


@bp.route("/patients/<int:patient_id>/infusions/<int:infusion_id>/edit", methods=["GET", "POST"])
@role_required(Role.CLINICIAN)
def edit_infusion(patient_id: int, infusion_id: int):
    patient = access.patient_for(
        current_user, patient_id, action="infusions.read" if request.method == "GET" else None
    )
    infusion = infusions.get_infusion(patient, infusion_id)
    if request.method == "POST":
        try:
            values = infusion_from_form(request.form, session_zone(infusion, patient))
            infusions.update_infusion(patient, infusion.id, values, current_user)
        except ValidationError as exc:
            return _form(patient, infusion, request.form, exc.errors or {}, 422)
        flash("Infusion session updated.", "ok")
        return redirect(url_for("clinic.infusion_list", patient_id=patient.id))
    return _form(patient, infusion, form_values(infusion, session_zone(infusion, patient)), {})


def _form(patient, infusion, values, errors: dict, status: int = 200):
    if hasattr(values, "getlist"):  # the submitted form: keep what was typed
        values = {**values.to_dict(), "exam_signs": values.getlist("exam_signs")}
    return (
        render_template(
            "clinic/infusion_form.html",
            patient=patient,
            infusion=infusion,
            values=values,
            errors=errors,
            exam_signs=EXAM_SIGNS,
            course_rules=analysis.COURSE_RULE_LABELS,
            timezone=session_zone(infusion, patient).key,
        ),
        status,
    )


@bp.route("/patients/<int:patient_id>/treatments", methods=["GET", "POST"])
@role_required(Role.CLINICIAN)
def treatment_list(patient_id: int):
    """Other treatments (nerve blocks, therapy, medication changes): the list and a form."""
    patient = access.patient_for(
        current_user, patient_id, action="treatments.read" if request.method == "GET" else None
    )
    values, errors, status = {"day": local_today(patient).isoformat(), "kind": ""}, {}, 200
    if request.method == "POST":
        try:
            treatments.record_treatment(patient, current_user, request.form)
        except ValidationError as exc:
            values, errors, status = request.form.to_dict(), exc.errors or {}, 422
            # the page shown again lists the stored treatments: a read, audited as the GET's
            access.record_read(current_user, patient, "treatments.read")
        else:
            flash("Treatment saved.", "ok")
            return redirect(url_for("clinic.treatment_list", patient_id=patient.id))
    rows = treatments.read_treatments(patient)
    return (
        render_template(
            "clinic/treatments.html",
            patient=patient,
            treatments=rows,
            values=values,
            errors=errors,
        ),
        status,
    )


@bp.route("/patients/<int:patient_id>/import", methods=["GET", "POST"])
@role_required(Role.CLINICIAN)
def import_data(patient_id: int):
    """Upload an old diary (CSV or FHIR) or a CSV of past infusion sessions."""
    patient = access.patient_for(
        current_user, patient_id, action="import.read" if request.method == "GET" else None
    )
    errors: dict[str, list[str]] = {}
    report = None
    kind = request.form.get("kind", "entries")
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            report = data_import.import_upload(
                patient,
                kind,
                upload.read() if upload else b"",
                by=current_user,
                all_or_nothing=bool(request.form.get("all_or_nothing")),
            )
        except ValidationError as exc:
            errors = exc.errors or {"file": [exc.message]}
    status = 422 if errors or (report and not report.committed) else 200
    return (
        render_template(
            "clinic/import.html",
            patient=patient,
            kinds=data_import.KINDS,
            kind=kind,
            errors=errors,
            report=report,
            all_or_nothing=bool(request.form.get("all_or_nothing")),
        ),
        status,
    )


@bp.route("/patients/<int:patient_id>/carers", methods=["GET", "POST"])
@role_required(Role.CLINICIAN)
def carer_list(patient_id: int):
    """A patient's parents and carers (for a child, the clinic invites them): list, invite."""
    errors: dict[str, list[str]] = {}
    link, email, status = None, "", 200
    if request.method == "POST":
        email = request.form.get("email", "")
        try:
            token = carers.invite(patient_id, email, by=current_user)
        except ValidationError as exc:
            errors, status = exc.errors or {"email": [exc.message]}, 422
        else:
            link = url_for("carer.join", token=token, _external=True)
    listing = carers.carers_of(patient_id, by=current_user)
    patient = access.patient_for(current_user, patient_id, action=None)
    return (
        render_template(
            "clinic/carers.html",
            patient=patient,
            carers=listing,
            carer_errors=errors,
            invite_link=link,
            invited_email=email,
        ),
        status,
    )


@bp.post("/patients/<int:patient_id>/carers/<int:carer_id>/remove")
@role_required(Role.CLINICIAN)
def remove_carer(patient_id: int, carer_id: int):
    carer = carers.remove(patient_id, carer_id, by=current_user)
    flash(f"{carer.display_name} can no longer see or log in this diary.", "ok")
    return redirect(url_for("clinic.carer_list", patient_id=patient_id))


@bp.post("/patients/<int:patient_id>/carers/invitations/<int:invitation_id>/withdraw")
@role_required(Role.CLINICIAN)
def withdraw_carer_invitation(patient_id: int, invitation_id: int):
    carers.withdraw(patient_id, invitation_id, by=current_user)
    flash("Invitation withdrawn: its link no longer works.", "ok")
    return redirect(url_for("clinic.carer_list", patient_id=patient_id))
