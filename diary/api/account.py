"""The signed-in person's own account: a patient's everything as one zip, and closing the
account (a patient's or a parent's or carer's)."""

from __future__ import annotations

from flask import send_file
from flask_login import current_user, logout_user

from diary.api import bp
from diary.api.openapi import documented
from diary.api.params import json_body
from diary.api.schemas import CloseAccountSchema
from diary.auth import note_login_failed, password_checks, role_required
from diary.errors import ValidationError
from diary.models import Role
from diary.services import archive, closing


@bp.get("/me/archive")
@documented(
    "Everything I gave the diary as a zip: JSON of every entry, revision, check-in and "
    "infusion, the CSV, the FHIR R4 Bundle and a README of the formats",
    content_type="application/zip",
    errors=(403,),
)
@role_required(Role.PATIENT)
def my_archive():
    response = send_file(
        archive.archive_file(current_user),
        mimetype="application/zip",
        as_attachment=True,
        download_name=archive.archive_name(current_user),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/me/close")
@documented(
    "Close my account and sign out everywhere (send my password). A patient's diary is erased; "
    "a parent's or carer's links to the patients end, and the entries they logged stay in "
    "those diaries, marked as logged by a former carer",
    request=CloseAccountSchema,
    status=204,
    errors=(403, 409, 422, 429),
)
@role_required(Role.PATIENT, Role.CARER)
@password_checks
def close_my_account():
    data = json_body(CloseAccountSchema())
    try:
        closing.close_own_account(current_user, password=data["password"])
    except ValidationError:
        note_login_failed()
        raise
    logout_user()
    return "", 204
