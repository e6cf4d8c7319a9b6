"""Sign-in, sign-out, invitations and the role checks views use."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, Response, current_app, g, jsonify, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from diary.errors import Forbidden
from diary.extensions import limiter
from diary.models import Role, User
from diary.services import sessions

# Our own remember-me cookie (a random token looked up by its hash). flask-login's own cookie
# (an HMAC of the user id, valid until SECRET_KEY changes) is never set, and removed when seen.
REMEMBER_COOKIE = "diary_remember"
LEGACY_REMEMBER_COOKIE = "remember_token"


def init_login_manager(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = "Please sign in to continue."
    manager.session_protection = "basic"

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


def start_session(user: User, *, remember: bool = False) -> None:
    """Sign `user` in on a fresh session: nothing set before sign-in (a CSRF token planted by
    someone else, say) carries over. With `remember`, a remember-me token is issued too."""
    session.clear()
    login_user(user)
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
        value = g.get("remember_cookie")
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
        if LEGACY_REMEMBER_COOKIE in request.cookies:
            response.delete_cookie(LEGACY_REMEMBER_COOKIE)
        return response


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


def note_login_failed() -> None:
    g.login_failed = True
