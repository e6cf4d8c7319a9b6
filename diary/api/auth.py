"""API sign-in and sign-out, and who am I."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

from diary.api import bp
from diary.api.openapi import documented
from diary.api.params import json_body
from diary.api.schemas import CsrfSchema, LoginResultSchema, LoginSchema, UserSchema
from diary.api.schemas.users import dump_user
from diary.auth import (
    end_sessions,
    login_by_account,
    login_by_address,
    note_login_failed,
    start_session,
)
from diary.csrf import generate_csrf
from diary.errors import ServiceError, ValidationError
from diary.extensions import csrf
from diary.services import accounts

# Built once: a marshmallow schema costs more to build than to use.
USER_OUT = UserSchema()


class Unauthorized(ServiceError):
    status = 401
    code = "invalid_credentials"
    default_message = "That email and password do not match an active account."


@bp.post("/auth/login")
@documented(
    "Sign in; answers the user and the CSRF token for later writes",
    request=LoginSchema,
    response=LoginResultSchema,
    errors=(401, 422, 429),
    public=True,
)
# Exempt from CSRF because no session exists yet to bind a token to; a cross-site page cannot
# send this JSON body without a CORS preflight, which this app never grants.
@csrf.exempt
@login_by_address
@login_by_account
def login():
    try:  # a refused body (not JSON, nested too deep, broken text) counts as a failure
        data = json_body(LoginSchema())
        user = accounts.authenticate(data["email"], data["password"])
    except ValidationError:
        note_login_failed()
        raise
    if user is None:
        note_login_failed()
        raise Unauthorized()
    start_session(user)
    return jsonify(user=USER_OUT.dump(user), csrf_token=generate_csrf())


@bp.post("/auth/logout")
@documented("Sign out: ends every session of this user, on every device", status=204)
@login_required
def logout():
    end_sessions()
    return "", 204


@bp.get("/auth/csrf")
@documented("A fresh CSRF token for this session", response=CsrfSchema)
@login_required
def csrf_token():
    """A fresh token for a client (the service worker) that has no page to read it from."""
    return jsonify(csrf_token=generate_csrf())


@bp.get("/me")
@documented("The signed-in user", response=UserSchema)
@login_required
def me():
    return jsonify(dump_user(current_user._get_current_object()))
