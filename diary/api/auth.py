"""API sign-in and sign-out, and who am I."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from marshmallow import ValidationError as SchemaError

from diary.api import bp
from diary.api.schemas import LoginSchema, UserSchema
from diary.auth import login_by_account, login_by_address, note_login_failed
from diary.errors import ServiceError, ValidationError
from diary.extensions import csrf
from diary.services import accounts


class Unauthorized(ServiceError):
    status = 401
    code = "invalid_credentials"
    default_message = "That email and password do not match an active account."


@bp.post("/auth/login")
# Exempt from CSRF because no session exists yet to bind a token to; a cross-site page cannot
# send this JSON body without a CORS preflight, which this app never grants.
@csrf.exempt
@login_by_address
@login_by_account
def login():
    if not request.is_json:
        raise ValidationError("Send JSON with Content-Type: application/json.")
    try:
        data = LoginSchema().load(request.get_json(silent=True) or {})
    except SchemaError as exc:
        raise ValidationError(errors=exc.messages_dict) from None
    user = accounts.authenticate(data["email"], data["password"])
    if user is None:
        note_login_failed()
        raise Unauthorized()
    login_user(user)
    return jsonify(user=UserSchema().dump(user), csrf_token=generate_csrf())


@bp.post("/auth/logout")
@login_required
def logout():
    logout_user()
    return "", 204


@bp.get("/auth/csrf")
@login_required
def csrf_token():
    """A fresh token for a client (the service worker) that has no page to read it from."""
    return jsonify(csrf_token=generate_csrf())


@bp.get("/me")
@login_required
def me():
    return jsonify(UserSchema().dump(current_user))
