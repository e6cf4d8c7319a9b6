"""A parent's or carer's own pages: the list of the patients they log for (their home, with
the form that closes their account) and the join page of a carer invitation. Logging itself
happens on the diary's pages under /diary/for/<patient_id> (diary/patient/views.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from diary.auth import note_login_failed, password_checks, role_required
from diary.errors import Conflict, ValidationError
from diary.extensions import limiter
from diary.models import Role
from diary.services import carers, closing

bp = Blueprint("carer", __name__, url_prefix="/carer")


@bp.get("")
@role_required(Role.CARER)
def home():
    return _home()


def _home(close_errors: dict[str, list[str]] | None = None, status: int = 200):
    patients = carers.patients_of(current_user)
    page = render_template("carer/home.html", patients=patients, close_errors=close_errors or {})
    return page, status


@bp.post("/close")
@role_required(Role.CARER)
@password_checks
def close_account():
    """Close the carer's account after they typed their password and ticked the box."""
    if not request.form.get("confirm"):
        return _home({"confirm": ["Tick the box to confirm."]}, 422)
    try:
        closing.close_carer_account(
            current_user, by=current_user, password=request.form.get("password", "")
        )
    except Conflict as exc:
        return _home({"account": [exc.message]}, 409)
    except ValidationError as exc:
        note_login_failed()
        return _home(exc.errors or {"password": [exc.message]}, 422)
    logout_user()
    flash("Your account is closed. The entries you logged stay in the diaries you kept.", "ok")
    return redirect(url_for("auth.login"))


def _join_limit() -> str:
    return current_app.config["JOIN_LIMIT"]


@bp.route("/join/<token>", methods=["GET", "POST"])
@limiter.limit(_join_limit, methods=["POST"], scope="carer-join")
def join(token: str):
    invitation = carers.open_invitation(token)
    account = carers.account_for(invitation)
    errors: dict[str, list[str]] = {}
    form = request.form
    if request.method == "POST":
        try:
            carers.accept(
                token,
                carers.NewCarer(
                    password=form.get("password", ""),
                    display_name=form.get("display_name", ""),
                    password_confirm=form.get("password_confirm", "") if account == "new" else None,
                ),
            )
        except ValidationError as exc:
            errors = exc.errors or {"password": [exc.message]}
        else:
            flash(
                f"You can now log for {invitation.patient.display_name}. Sign in with "
                f"{invitation.email} and your password.",
                "ok",
            )
            return redirect(url_for("auth.login"))
    return render_template(
        "carer/join.html", invitation=invitation, account=account, form=form, errors=errors
    ), (422 if errors else 200)
