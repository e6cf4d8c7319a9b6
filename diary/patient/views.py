"""The patient's pages: log a day, history (edit, delete, undo), own trends, weekly check-in."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from diary import codes, measures
from diary.auth import note_login_failed, password_checks, role_required
from diary.errors import ValidationError
from diary.models import Role
from diary.patient import entry_form
from diary.patient.entry_form import entry_from_form, form_values
from diary.services import checkins, closing, entries, reminders, settings, today, trends
from diary.services.entries import VersionConflict
from diary.services.local_time import local_now, local_today

bp = Blueprint("patient", __name__, url_prefix="/diary")

# Offline pages: the service worker may keep a copy, but must ask the server first when online.
OFFLINE_CAPABLE = "private, no-cache"
SIDE_EFFECTS_OPEN_DAYS = 7


def _log_day_page(values=None, errors=None, status=200):
    state = today.today(current_user)
    after_infusion = (
        state.days_since_infusion is not None
        and state.days_since_infusion <= SIDE_EFFECTS_OPEN_DAYS
    )
    response = make_response(
        render_template(
            "patient/log_day.html",
            today=state.day,
            state=state,
            top=entry_form.top_html(values or {}, errors or {}),
            entry_config=entry_form.client_config_json(),
            sections=entry_form.sections_html(
                values or {}, errors or {}, after_infusion, state.days_since_infusion
            ),
            values=values or {},
            errors=errors or {},
            new_id=uuid.uuid4(),
            reminder_due=state.reminder_due,
            checkin=state.checkin,
            codes=codes,
            zone=local_now(current_user).tzinfo,
        ),
        status,
    )
    response.headers["Cache-Control"] = OFFLINE_CAPABLE
    return response


@bp.get("")
@role_required(Role.PATIENT)
def log_day():
    return _log_day_page()


@bp.post("")
@role_required(Role.PATIENT)
def save_day():
    try:
        saved = entries.create_entry(current_user, entry_from_form(request.form, whole=False))
    except ValidationError as exc:
        return _log_day_page(form_values(request.form), exc.errors or {}, 422)
    entry = saved.entry
    day = entry.day.strftime("%A %-d %B")
    flash(f"Saved: pain {measures.PAIN.of(entry)} out of 10 for {day}.", "ok")
    return redirect(url_for("patient.log_day"))


@bp.get("/history")
@role_required(Role.PATIENT)
def history():
    page = request.args.get("page", 1, type=int) or 1
    rows = entries.history(current_user, page=page)
    more = len(rows) > entries.HISTORY_PAGE
    rows = rows[: entries.HISTORY_PAGE]
    deleted_id = request.args.get("deleted", "")
    just_deleted = next((e for e in rows if str(e.id) == deleted_id and e.deleted_at), None)
    return render_template(
        "patient/history.html",
        entries=rows,
        page=page,
        more=more,
        just_deleted=just_deleted,
        restorable_until=entries.restorable_until,
        zone=local_now(current_user).tzinfo,
        codes=codes,
    )


@bp.route("/entries/<uuid:entry_id>/edit", methods=["GET", "POST"])
@role_required(Role.PATIENT)
def edit_entry(entry_id: uuid.UUID):
    entry = entries.get_entry(current_user, entry_id)
    values, errors, status = form_values(entries.content_of(entry)), {}, 200
    conflict = False
    if request.method == "POST":
        version = request.form.get("version", "")
        try:
            entries.update_entry(
                current_user,
                entry_id,
                entry_from_form(request.form, whole=True),
                version=int(version) if version.isdigit() and len(version) < 12 else 0,
            )
        except ValidationError as exc:
            values, errors, status = form_values(request.form), exc.errors or {}, 422
        except VersionConflict as exc:
            # Show the entry as it is now; what was typed is not lost from the patient's sight:
            # the message asks them to make the change again on the current version.
            entry, conflict, status = exc.current, True, 409
            values = form_values(entries.content_of(entry))
        else:
            flash("Your changes are saved. The earlier version is kept.", "ok")
            return redirect(url_for("patient.history"))
    return (
        render_template(
            "patient/edit.html",
            entry=entry,
            values=values,
            errors=errors,
            conflict=conflict,
            today=local_today(current_user),
            codes=codes,
        ),
        status,
    )


@bp.post("/entries/<uuid:entry_id>/delete")
@role_required(Role.PATIENT)
def delete_entry(entry_id: uuid.UUID):
    entries.delete_entry(current_user, entry_id)
    return redirect(url_for("patient.history", deleted=entry_id))


@bp.post("/entries/<uuid:entry_id>/restore")
@role_required(Role.PATIENT)
def restore_entry(entry_id: uuid.UUID):
    entry = entries.restore_entry(current_user, entry_id)
    flash(f"Entry for {entry.day.strftime('%A %-d %B')} restored.", "ok")
    return redirect(url_for("patient.history"))


@bp.get("/trends")
@role_required(Role.PATIENT)
def trends_page():
    days = request.args.get("days", trends.RANGES[0], type=int)
    return render_template(
        "patient/trends.html",
        trends=trends.patient_trends(current_user, days),
        ranges=trends.RANGES,
    )


@bp.route("/checkin", methods=["GET", "POST"])
@role_required(Role.PATIENT)
def checkin():
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = request.form
        values = form.to_dict()
        data = {
            "promis_pi": {
                item.code: _int_or_raw(form.get(item.code, ""))
                for item in codes.PROMIS_PI_4A_ITEMS
                if form.get(item.code, "").strip()
            },
            "pgic": _int_or_raw(form.get("pgic", "")),
        }
        try:
            checkins.record_checkin(current_user, data)
        except ValidationError as exc:
            errors, status = exc.errors or {}, 422
        else:
            flash("Thank you: your weekly check-in is saved.", "ok")
            return redirect(url_for("patient.log_day"))
    return (
        render_template(
            "patient/checkin.html",
            due=checkins.checkin_due(current_user),
            values=values,
            errors=errors,
            codes=codes,
        ),
        status,
    )


def _int_or_raw(raw: str):
    try:
        return int(raw)
    except ValueError:
        return raw or None


@bp.post("/reminder")
@role_required(Role.PATIENT)
def set_reminder():
    try:
        value = reminders.parse_time(request.form.get("reminder_time"))
    except ValidationError as exc:
        flash(exc.errors["reminder_time"][0], "error")
    else:
        reminders.set_reminder_time(current_user, value)
        flash(
            f"Daily reminder set for {value.strftime('%H:%M')}." if value else "Reminder off.",
            "ok",
        )
    return redirect(url_for("patient.log_day"))


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.PATIENT)
def settings_page():
    """The patient's time zone: their diary's "today" (e.g. after moving or a long trip)."""
    errors: dict[str, list[str]] = {}
    status = 200
    chosen = current_user.timezone
    if request.method == "POST":
        chosen = request.form.get("timezone", "")
        try:
            name = settings.set_timezone(current_user, chosen)
        except ValidationError as exc:
            errors, status = exc.errors or {}, 422
        else:
            flash(f"Time zone set to {name}. Today is {local_today(current_user):%A %-d %B}.", "ok")
            return redirect(url_for("patient.settings_page"))
    return _settings_page(chosen=chosen, errors=errors, status=status)


def _settings_page(*, chosen: str, errors=None, close_errors=None, status: int = 200):
    return (
        render_template(
            "patient/settings.html",
            zones=settings.zone_choices(),
            chosen=chosen,
            errors=errors or {},
            close_errors=close_errors or {},
            today=local_today(current_user),
        ),
        status,
    )


@bp.post("/settings/close")
@role_required(Role.PATIENT)
@password_checks
def close_account():
    """Close the account after the patient typed their password and ticked the box."""
    if not request.form.get("confirm"):
        return _settings_page(
            chosen=current_user.timezone,
            close_errors={"confirm": ["Tick the box to confirm."]},
            status=422,
        )
    try:
        closing.close_account(
            current_user, by=current_user, password=request.form.get("password", "")
        )
    except ValidationError as exc:
        note_login_failed()
        return _settings_page(
            chosen=current_user.timezone,
            close_errors=exc.errors or {"password": [exc.message]},
            status=422,
        )
    logout_user()
    flash("Your account is closed and your diary is erased.", "ok")
    return redirect(url_for("auth.login"))
