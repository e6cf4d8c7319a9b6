"""The patient's pages: log a day, history (edit, delete, undo), own trends, weekly check-in.

A parent or carer uses the same diary pages for a patient they log for, under
`/diary/for/<patient_id>/...` (log a day, history, edit, delete, undo, trends). The patient id
comes from the URL and goes through the gate (`access.diary_for`) on every request, so a carer
the patient removed gets 404 at once; the links on these pages keep the id (`url_defaults`).
The patient's own pages (check-in, reminder, settings) stay theirs alone.
"""

from __future__ import annotations

import functools
import uuid

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, url_for
from flask.globals import _cv_app
from flask_login import current_user

from diary import assets, codes, measures
from diary.auth import role_required
from diary.errors import Conflict, NotFound, ValidationError
from diary.models import Role, User
from diary.patient import entry_form, today_page
from diary.patient.entry_form import entry_from_form, form_values
from diary.services import (
    access,
    carers,
    checkins,
    entries,
    local_time,
    push,
    reminders,
    today,
    trends,
    usual_medications,
    yesterday,
)
from diary.services.entries import VersionConflict
from diary.services.local_time import local_now, local_today

bp = Blueprint("patient", __name__, url_prefix="/diary")

# Offline pages: the service worker may keep a copy, but must ask the server first when online.
OFFLINE_CAPABLE = "private, no-cache"
SIDE_EFFECTS_OPEN_DAYS = 7
# The carer's copy of a diary page: the same view under /diary/for/<patient_id>.
FOR = "/for/<int:patient_id>"
DIARY_ROLES = (Role.PATIENT, Role.CARER)
CARER_ENDPOINTS = {
    f"patient.{name}"
    for name in (
        "log_day",
        "save_day",
        "history",
        "edit_entry",
        "delete_entry",
        "restore_entry",
        "trends_page",
    )
}


@bp.url_value_preprocessor
def _take_patient(endpoint, values) -> None:
    g.diary_patient_id = values.pop("patient_id", None) if values else None


def _patient_in_url():
    context = _cv_app.get(None)  # the app context's g, without the proxy (on every link)
    return context.g.get("diary_patient_id") if context is not None else None


@bp.url_defaults
@assets.keyed_url_defaults(_patient_in_url)
def _keep_patient(endpoint, values) -> None:
    """Links from a carer's page stay in the diary of the same patient."""
    patient_id = g.get("diary_patient_id")
    if patient_id is not None and endpoint in CARER_ENDPOINTS:
        values.setdefault("patient_id", patient_id)


@bp.context_processor
def _diary_context() -> dict:
    return {"diary_patient": g.get("diary_patient")}


def _diary(action: str | None = None) -> User:
    """Whose diary this request is in: the signed-in patient's own, or (under /for/<id>) the
    patient's the gate lets the carer into. A carer's visit is audited as `action`."""
    patient_id = g.get("diary_patient_id")
    user = current_user._get_current_object()  # the User itself: its attributes without the proxy
    if patient_id is None:
        if user.role != Role.PATIENT:
            raise NotFound()
        return user
    patient = access.diary_for(user, patient_id, action=action)
    g.diary_patient = patient if patient.id != user.id else None
    return patient


def _log_day_page(patient: User, values=None, errors=None, status=200, *, copy_yesterday=False):
    state = today.today(patient)
    after_infusion = (
        state.days_since_infusion is not None
        and state.days_since_infusion <= SIDE_EFFECTS_OPEN_DAYS
    )
    recent = state.recent_days
    copied = yesterday.copied_values(recent, state.day) if copy_yesterday else None
    if copied is not None:
        values = form_values(copied)
    usual = usual_medications.usual_lines(patient)
    values, ticked = entry_form.split_usual(values or {}, usual)
    own = patient.id == current_user._get_current_object().id
    zone = local_time.zone(patient)
    # The reminder is the patient's own (a carer's copy of the page does not show it).
    reminder = patient.reminder_time if own else None
    fixed = {
        "day_choices": entry_form.day_choices(state.day, values),
        "reminder_due": state.reminder_due,
        "checkin": state.checkin,
        # Push reminders are the patient's own device setting, not a carer's.
        "push_public_key": push.public_key() if own else None,
        "reminder_at": reminder.strftime("%H:%M") if reminder else "",
        "usual": tuple(usual),
        "ticked": tuple(ticked),
        "copy_missing": copy_yesterday and copied is None,
        "copied": copied is not None,
        # The measures' controls and config: the same objects while they are kept (entry_form)
        "top": entry_form.top_html(values or {}, errors or {}),
        "entry_config": entry_form.client_config_json(),
        "sections": entry_form.sections_html(
            values, errors or {}, after_infusion, state.days_since_infusion
        ),
    }
    holes = {
        "new_id": uuid.uuid4(),
        # when the page was made (UTC): the phone calls a copy stale when it was made on an
        # earlier day of its own clock, not when its zone and the patient's differ
        "made_at": local_time.utcnow().isoformat(),  # the clock the page's day is read on
        "recent_days_json": today_page.tojson(recent),
        "today_list": today_page.today_list(
            # Today's latest entries: (pain, the local time each was saved)
            tuple(
                (measures.PAIN.of(row), row.recorded_at.astimezone(zone).strftime("%H:%M"))
                for row in state.recent
            ),
            state.entries_today,
            measures.PAIN.maximum,
            today.COUNT_CAP,
        ),
    }
    response = make_response(today_page.render(fixed, holes, values, errors or {}), status)
    response.headers["Cache-Control"] = OFFLINE_CAPABLE
    return response


@bp.get("")
@bp.get(FOR)
@role_required(*DIARY_ROLES)
def log_day():
    return _log_day_page(
        _diary("diary.read"), copy_yesterday=request.args.get("copy") == "yesterday"
    )


@bp.post("")
@bp.post(FOR)
@role_required(*DIARY_ROLES)
def save_day():
    patient = _diary("entry.create")
    try:
        saved = entries.create_entry(
            patient, entry_from_form(request.form, whole=False), by=current_user
        )
    except ValidationError as exc:
        return _log_day_page(patient, form_values(request.form), exc.errors or {}, 422)
    entry = saved.entry
    day = entry.day.strftime("%A %-d %B")
    flash(f"Saved: pain {measures.PAIN.of(entry)} out of 10 for {day}.", "ok")
    return redirect(url_for("patient.log_day"))


@bp.get("/history")
@bp.get(FOR + "/history")
@role_required(*DIARY_ROLES)
def history():
    patient = _diary("entries.read")
    page = request.args.get("page", 1, type=int) or 1
    rows = entries.history(patient, page=page)
    more = len(rows) > entries.HISTORY_PAGE
    rows = rows[: entries.HISTORY_PAGE]
    deleted_id = request.args.get("deleted", "")
    just_deleted = next((e for e in rows if str(e.id) == deleted_id and e.deleted_at), None)
    if just_deleted is None and deleted_id:
        # deleted on an older page (the redirect lands on the first): its Undo all the same
        just_deleted = entries.just_deleted(patient, deleted_id)
    return render_template(
        "patient/history.html",
        entries=rows,
        page=page,
        more=more,
        just_deleted=just_deleted,
        restorable_until=entries.restorable_until,
        recorded_late=functools.partial(entries.recorded_late, patient=patient),
        zone=local_now(patient).tzinfo,
        codes=codes,
        proxies=carers.proxy_names(patient.id),
    )


@bp.route("/entries/<uuid:entry_id>/edit", methods=["GET", "POST"])
@bp.route(FOR + "/entries/<uuid:entry_id>/edit", methods=["GET", "POST"])
@role_required(*DIARY_ROLES)
def edit_entry(entry_id: uuid.UUID):
    patient = _diary()
    entry = entries.get_entry(current_user, entry_id, patient_id=patient.id)
    values, errors, status = form_values(entries.content_of(entry)), {}, 200
    conflict = False
    if request.method == "POST":
        version = request.form.get("version", "")
        try:
            entries.update_entry(
                current_user,
                entry_id,
                entry_form.keep_line_order(
                    entry_from_form(request.form, whole=True), entries.content_of(entry)
                ),
                version=int(version) if version.isdigit() and len(version) < 12 else 0,
                patient_id=patient.id,
                same_is_done=True,  # a double tap on Save changes: the second finds it done
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
    usual = usual_medications.usual_lines(patient)
    values, ticked = entry_form.split_usual(values, usual)
    return (
        render_template(
            "patient/edit.html",
            entry=entry,
            values=values,
            errors=errors,
            conflict=conflict,
            today=local_today(patient),
            codes=codes,
            usual=usual,
            ticked=ticked,
        ),
        status,
    )


@bp.post("/entries/<uuid:entry_id>/delete")
@bp.post(FOR + "/entries/<uuid:entry_id>/delete")
@role_required(*DIARY_ROLES)
def delete_entry(entry_id: uuid.UUID):
    patient = _diary()
    entries.delete_entry(current_user, entry_id, patient_id=patient.id)
    return redirect(url_for("patient.history", deleted=entry_id))


@bp.post("/entries/<uuid:entry_id>/restore")
@bp.post(FOR + "/entries/<uuid:entry_id>/restore")
@role_required(*DIARY_ROLES)
def restore_entry(entry_id: uuid.UUID):
    patient = _diary()
    try:
        entry = entries.restore_entry(current_user, entry_id, patient_id=patient.id)
    except Conflict:
        # a second tap on Undo: the first restored it; say so rather than show an error
        entry = entries.get_entry(current_user, entry_id, patient_id=patient.id)
        if entry.deleted_at is not None:
            raise
    flash(f"Entry for {entry.day.strftime('%A %-d %B')} restored.", "ok")
    return redirect(url_for("patient.history"))


@bp.get("/trends")
@bp.get(FOR + "/trends")
@role_required(*DIARY_ROLES)
def trends_page():
    patient = _diary("trends.read")
    days = request.args.get("days", trends.RANGES[0], type=int)
    return render_template(
        "patient/trends.html",
        trends=trends.patient_trends(patient, days),
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
        checkin_id = _uuid_or_none(form.get("id", ""))
        if checkin_id is not None:
            data["id"] = checkin_id  # a second tap (the same page) stores nothing more
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
            # the page's check-in id; kept when the page is shown again with its errors
            checkin_id=_uuid_or_none(values.get("id", "")) or uuid.uuid4(),
            values=values,
            errors=errors,
            codes=codes,
        ),
        status,
    )


def _uuid_or_none(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        return None


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


# The patient's own settings (time zone, parents and carers, closing the account) are in their
# own module, on this blueprint.
from diary.patient import settings_views  # noqa: E402, F401
