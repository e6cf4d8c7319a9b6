"""The patient's settings page: time zone, parents and carers (invite, remove, withdraw an
invitation), download my data, close my account. Routes of the patient blueprint."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from diary.auth import note_login_failed, password_checks, role_required
from diary.errors import ValidationError
from diary.models import Role
from diary.patient.views import bp
from diary.services import carers, closing, settings
from diary.services.local_time import local_today


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


def _settings_page(
    *,
    chosen: str,
    errors=None,
    close_errors=None,
    carer_errors=None,
    invite_link: str | None = None,
    invited_email: str = "",
    status: int = 200,
):
    return (
        render_template(
            "patient/settings.html",
            zones=settings.zone_choices(),
            chosen=chosen,
            errors=errors or {},
            close_errors=close_errors or {},
            carer_errors=carer_errors or {},
            carers=carers.carers_of(current_user.id, by=current_user),
            invite_link=invite_link,
            invited_email=invited_email,
            today=local_today(current_user),
        ),
        status,
    )


@bp.post("/settings/carers")
@role_required(Role.PATIENT)
def invite_carer():
    """Invite a parent or carer to log for me: the link is shown once, to pass on."""
    email = request.form.get("email", "")
    try:
        token = carers.invite(current_user.id, email, by=current_user)
    except ValidationError as exc:
        return _settings_page(
            chosen=current_user.timezone,
            carer_errors=exc.errors or {"email": [exc.message]},
            invited_email=email,
            status=422,
        )
    return _settings_page(
        chosen=current_user.timezone,
        invite_link=url_for("carer.join", token=token, _external=True),
        invited_email=email,
    )


@bp.post("/settings/carers/<int:carer_id>/remove")
@role_required(Role.PATIENT)
def remove_carer(carer_id: int):
    carer = carers.remove(current_user.id, carer_id, by=current_user)
    flash(f"{carer.display_name} can no longer see or log in your diary.", "ok")
    return redirect(url_for("patient.settings_page") + "#carers")


@bp.post("/settings/carers/invitations/<int:invitation_id>/withdraw")
@role_required(Role.PATIENT)
def withdraw_carer_invitation(invitation_id: int):
    carers.withdraw(current_user.id, invitation_id, by=current_user)
    flash("Invitation withdrawn: its link no longer works.", "ok")
    return redirect(url_for("patient.settings_page") + "#carers")


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
