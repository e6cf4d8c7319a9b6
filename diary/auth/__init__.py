"""Sign-in, sign-out, invitations and the role checks views use."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps

from flask import Flask, Response, current_app, g, jsonify, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer

from diary.errors import Forbidden, NotFound, ServiceError
from diary.extensions import limiter
from diary.models import Role, User
from diary.request_json import request_json_or_none
from diary.services import login_throttle, sessions

# Our own remember-me cookie (a random token looked up by its hash). flask-login's own cookie
# (an HMAC of the user id, valid until SECRET_KEY changes) is never set, and removed when seen.
REMEMBER_COOKIE = "diary_remember"
LEGACY_REMEMBER_COOKIE = "remember_token"
# Set at every successful sign-in: this browser has signed in to that account before (see
# login_by_account). Signed, not secret; it grants nothing but its own failure count.
DEVICE_COOKIE = "diary_device"
DEVICE_COOKIE_DAYS = 400


def init_login_manager(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = "Please sign in to continue."
    # flask-login's session protection hashes the client's address and User-Agent on every
    # request; in its "basic" mode a mismatch only marks the session not fresh, and the diary
    # never asks for a fresh session (no fresh_login_required). What ends a session is its
    # generation (services/sessions.py), checked on every request: so no protection pass.
    manager.session_protection = None

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The session cookie's generation must still be the user's: a copy of a cookie from
        # before a sign-out (or a password change, deactivation...) is refused here.
        return sessions.user_for_session(user_id)

    @manager.request_loader
    def load_remembered(req) -> User | None:
        user = sessions.user_for_remember_token(req.cookies.get(REMEMBER_COOKIE, ""))
        if user is not None:
            session.clear()
            login_user(user)
            session["_fresh"] = False
        elif REMEMBER_COOKIE in req.cookies:
            g.remember_cookie = "clear"
        return user

    @manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            body = {"error": {"code": "unauthorized", "message": "Sign in first."}}
            return jsonify(body), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def home_for(user: User) -> str:
    """Where a signed-in user lands: their role's first page."""
    return {
        Role.PATIENT: url_for("patient.log_day"),
        Role.CLINICIAN: url_for("clinic.dashboard"),
        Role.ADMIN: url_for("admin.users"),
        Role.CARER: url_for("carer.home"),
    }[user.role]


def start_session(user: User, *, remember: bool = False) -> None:
    """Sign `user` in on a fresh session: nothing set before sign-in (a CSRF token planted by
    someone else, say) carries over. With `remember`, a remember-me token is issued too."""
    session.clear()
    login_user(user)
    g.login_succeeded = True
    if remember:
        g.remember_cookie = sessions.issue_remember_token(user)


def end_sessions(reason: str = "sign-out") -> None:
    """Sign out: every session and remember token of the signed-in user ends, on every device."""
    if current_user.is_authenticated:
        sessions.end_all_sessions(current_user, by=current_user, reason=reason)
    logout_user()
    session.clear()
    g.remember_cookie = "clear"


def register_remember_cookie(app: Flask) -> None:
    @app.after_request
    def remember_cookie(response: Response) -> Response:
        store = g._get_current_object()  # from behind its proxy once (this runs on every request)
        value = store.get("remember_cookie")
        config = app.config
        if value == "clear":
            response.delete_cookie(REMEMBER_COOKIE, httponly=True, samesite="Lax")
        elif value:
            response.set_cookie(
                REMEMBER_COOKIE,
                value,
                max_age=sessions.REMEMBER_DAYS * 24 * 3600,
                secure=config["REMEMBER_COOKIE_SECURE"],
                httponly=True,
                samesite="Lax",
            )
        if device := store.get("device_cookie"):
            response.set_cookie(
                DEVICE_COOKIE,
                device,
                max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
                secure=config["REMEMBER_COOKIE_SECURE"],
                httponly=True,
                samesite="Lax",
            )
        if LEGACY_REMEMBER_COOKIE in request.cookies:
            response.delete_cookie(LEGACY_REMEMBER_COOKIE)
        return response


def role_required(*roles: Role) -> Callable:
    """Signed in with one of `roles`, else 401 (not signed in) or 403 (wrong role). A parent or
    carer gets 404 on every page that is not for them (the clinic's, the admin's, a patient's
    own settings): for them those pages do not exist."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            role = current_user._get_current_object().role
            if role not in roles:
                raise NotFound() if role == Role.CARER else Forbidden()
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _login_email() -> str | None:
    """The casefolded email of a sign-in attempt; None when the body is refused or has none."""
    if request.is_json:
        data = request_json_or_none()
        email = data.get("email") if isinstance(data, dict) else None
    else:
        email = request.form.get("email")
    if not isinstance(email, str) or not email.strip():
        return None
    return email.strip().casefold()[:254]


def _device_for(email: str) -> str | None:
    """The id of this browser's device cookie when it was set by a sign-in to `email`."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _device_serializer().loads(raw)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != login_throttle.account_key(email):
        return None
    return str(data.get("d"))[:32]


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="diary-known-device")


class TooManyAttempts(ServiceError):
    status = 429
    code = "too_many_requests"
    default_message = "Too many failed sign-ins for this account."


def _failed(_response) -> bool:
    return bool(g.get("login_failed"))


def _address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_LIMIT"]


# Failed sign-ins per client address (any account): a success costs nothing.
login_by_address = limiter.shared_limit(_address_limit, scope="login-address", deduct_when=_failed)


def login_by_account(view: Callable) -> Callable:
    """Failed sign-ins per account: a growing delay (services/login_throttle.py), never a lock.
    A browser that signed in to the account before counts on its own."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        email = _login_email() if request.method == "POST" else None
        device = _device_for(email) if email else None
        if email and (wait := login_throttle.wait_seconds(email, device)):
            raise TooManyAttempts(
                f"Too many failed sign-ins for this account. Wait {wait} seconds, then try "
                "again. (On a device you have signed in with before, this does not apply.)",
                # +1: the rate limiter rewrites Retry-After, rounding down to whole seconds.
                headers={"Retry-After": str(wait + 1)},
            )
        try:
            return view(*args, **kwargs)
        finally:
            if email and g.get("login_failed"):
                login_throttle.record_failure(email, device)
            elif email and g.get("login_succeeded"):
                login_throttle.record_success(email, device)
                g.device_cookie = _device_serializer().dumps(
                    {"a": login_throttle.account_key(email), "d": device or secrets.token_hex(8)}
                )

    return wrapped


def _signed_in_user() -> str:
    return f"user:{current_user.id}"


def _password_check_limit() -> str:
    return current_app.config["CLOSE_ACCOUNT_ATTEMPT_LIMIT"]


# A signed-in person retyping their password (closing the account): wrong passwords are counted
# per account too, so a borrowed session cannot be used to guess the password.
password_checks = limiter.shared_limit(
    _password_check_limit, scope="password-check", key_func=_signed_in_user, deduct_when=_failed
)


def note_login_failed() -> None:
    g.login_failed = True
