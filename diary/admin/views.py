"""Accounts for the clinic admin: list, activate, deactivate."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from diary.auth import role_required
from diary.errors import NotFound, ValidationError
from diary.extensions import db
from diary.models import Role, User
from diary.services import accounts, sessions

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@role_required(Role.ADMIN)
def users():
    rows = db.session.scalars(select(User).order_by(User.role, User.email))
    return render_template("admin/users.html", users=rows)


@bp.post("/users/<int:user_id>/active/<any(on, off):state>")
@role_required(Role.ADMIN)
def set_active(user_id: int, state: str):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.id == current_user.id:
        raise ValidationError("You cannot deactivate your own account.")
    accounts.set_active(user, state == "on", by=current_user)
    db.session.commit()
    flash(f"{user.email} is now {'active' if user.active else 'deactivated'}.", "ok")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/sign-out")
@role_required(Role.ADMIN)
def sign_out_everywhere(user_id: int):
    """End every session and remember token of an account (a lost phone, a shared computer)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    sessions.end_all_sessions(user, by=current_user, reason="admin: sign out everywhere")
    flash(f"{user.email} is signed out on every device.", "ok")
    return redirect(url_for("admin.users"))
