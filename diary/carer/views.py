"""A parent's or carer's own pages: the list of the patients they log for (their home) and the
join page of a carer invitation. Logging itself happens on the diary's pages under
/diary/for/<patient_id> (diary/patient/views.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diary.auth import role_required
from diary.errors import ValidationError
from diary.extensions import limiter
from diary.models import Role
from diary.services import carers

bp = Blueprint("carer", __name__, url_prefix="/carer")


@bp.get("")
@role_required(Role.CARER)
def home():
    return render_template("carer/home.html", patients=carers.patients_of(current_user))


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
