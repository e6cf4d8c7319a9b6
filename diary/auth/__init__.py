"""Sign-in, sign-out, invitations and the role checks views use."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, jsonify, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user

from diary.errors import Forbidden
from diary.extensions import db, limiter
from diary.models import Role, User


def init_login_manager(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = "Please sign in to continue."
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None

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
    }[user.role]


def start_session(user: User, *, remember: bool = False) -> None:
    """Sign `user` in on a fresh session: nothing set before sign-in (a CSRF token planted by
    someone else, say) carries over."""
    session.clear()
    login_user(user, remember=remember)


def role_required(*roles: Role) -> Callable:
    """Signed in with one of `roles`, else 401 (not signed in) or 403 (wrong role)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _login_email() -> str:
    if request.is_json:
        data = request.get_json(silent=True)
        email = data.get("email", "") if isinstance(data, dict) else ""
    else:
        email = request.form.get("email", "")
    return "login:" + str(email).strip().casefold()[:254]


def _failed(_response) -> bool:
    return bool(g.get("login_failed"))


def _limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


# Failed sign-ins are counted per client address and per account; a success costs nothing.
login_by_address = limiter.shared_limit(_limit, scope="login-address", deduct_when=_failed)
login_by_account = limiter.shared_limit(
    _limit, scope="login-account", key_func=_login_email, deduct_when=_failed
)


def _signed_in_user() -> str:
    return f"user:{current_user.get_id()}"


# A signed-in person retyping their password (closing the account): wrong passwords are counted
# per account too, so a borrowed session cannot be used to guess the password.
password_checks = limiter.shared_limit(
    _limit, scope="password-check", key_func=_signed_in_user, deduct_when=_failed
)


def note_login_failed() -> None:
    g.login_failed = True
