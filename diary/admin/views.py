"""Accounts for the clinic admin: list, activate, deactivate, close."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diary.auth import role_required
from diary.errors import ValidationError
from diary.models import Role
from diary.services import accounts, closing

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@role_required(Role.ADMIN)
def users():
    return render_template("admin/users.html", users=accounts.list_users())


@bp.post("/users/<int:user_id>/active/<any(on, off):state>")
@role_required(Role.ADMIN)
def set_active(user_id: int, state: str):
    user = accounts.set_active(user_id, state == "on", by=current_user)
    flash(f"{user.email} is now {'active' if user.active else 'deactivated'}.", "ok")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/close")
@role_required(Role.ADMIN)
def close_account(user_id: int):
    try:
        closed = closing.close_by_admin(
            user_id, confirm_email=request.form.get("confirm", ""), by=current_user
        )
    except ValidationError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.users"))
    if isinstance(closed, closing.ClosedCarer):
        kept = "the entries they logged stay in the patients' diaries, by a former carer"
        flash(f"The carer's account is closed: {kept}. It is now {closed.opaque_id}.", "ok")
    else:
        flash(f"The account is closed: its diary is erased. It is now {closed.opaque_id}.", "ok")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/sign-out")
@role_required(Role.ADMIN)
def sign_out_everywhere(user_id: int):
    """End every session and remember token of an account (a lost phone, a shared computer)."""
    user = accounts.sign_out_everywhere(user_id, by=current_user)
    flash(f"{user.email} is signed out on every device.", "ok")
    return redirect(url_for("admin.users"))
