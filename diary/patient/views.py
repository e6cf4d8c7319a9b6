"""The patient's pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from diary.auth import role_required
from diary.models import Role
from diary.services import entries
from diary.services.time import local_today

bp = Blueprint("patient", __name__, url_prefix="/diary")


@bp.get("")
@role_required(Role.PATIENT)
def log_day():
    today = local_today(current_user)
    todays = entries.list_entries(current_user.id, today, today)
    return render_template("patient/home.html", today=today, todays=todays)
