"""Sign-in and sign-out pages, and joining through an invitation link."""

from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import available_timezones

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diary.auth import (
    end_sessions,
    home_for,
    login_by_account,
    login_by_address,
    note_login_failed,
    start_session,
)
from diary.errors import ValidationError
from diary.extensions import limiter
from diary.services import accounts
from diary.services.field_rules import text_problem

bp = Blueprint("auth", __name__)

COMMON_TIMEZONES = sorted(available_timezones())


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: an open redirect would help phishing."""
    if not target:
        return None
    if text_problem(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@login_by_address
@login_by_account
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(current_user))
    error = None
    email = ""
    status = 200
    if request.method == "POST":
        email = request.form.get("email", "")
        try:
            user = accounts.authenticate(email, request.form.get("password", ""))
        except ValidationError as exc:
            user, status = None, 422
            error = " ".join(next(iter((exc.errors or {}).values()), [exc.message]))
            email = ""
        else:
            status = 401
            error = "That email and password do not match an active account."
        if user is not None:
            start_session(user, remember=bool(request.form.get("remember")))
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
        note_login_failed()
    return render_template("auth/login.html", error=error, email=email), status


@bp.post("/logout")
def logout():
    end_sessions()
    flash("You are signed out.", "ok")
    return redirect(url_for("auth.login"))


def _join_limit() -> str:
    return current_app.config["JOIN_LIMIT"]


@bp.route("/join/<token>", methods=["GET", "POST"])
@limiter.limit(_join_limit, methods=["POST"], scope="join")
def join(token: str):
    invitation = accounts.open_invitation(token)
    errors: dict[str, list[str]] = {}
    form = request.form
    if request.method == "POST":
        if form.get("password", "") != form.get("password_confirm", ""):
            errors["password_confirm"] = ["The two passwords are not the same."]
        else:
            try:
                accounts.accept_invitation(
                    token,
                    accounts.NewPatient(
                        email=form.get("email", ""),
                        password=form.get("password", ""),
                        display_name=form.get("display_name", ""),
                        timezone=form.get("timezone", "UTC"),
                    ),
                )
            except ValidationError as exc:
                errors = exc.errors or {"email": [exc.message]}
            else:
                # The same answer whether or not the email had an account already.
                flash(accounts.JOIN_DONE_MESSAGE, "ok")
                return redirect(url_for("auth.login"))
    return render_template(
        "auth/join.html",
        clinician=invitation.clinician,
        form=form,
        errors=errors,
        timezones=COMMON_TIMEZONES,
    ), (422 if errors else 200)
