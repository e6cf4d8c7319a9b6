"""The clinician's pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from diary.auth import role_required
from diary.models import Role
from diary.services import patients
from diary.services.time import local_today

bp = Blueprint("clinic", __name__, url_prefix="/clinic")


@bp.get("")
@role_required(Role.CLINICIAN)
def dashboard():
    summaries = patients.patient_summaries(current_user, local_today(current_user))
    return render_template("clinic/dashboard.html", patients=summaries)
