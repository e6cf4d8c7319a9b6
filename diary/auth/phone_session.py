"""What a phone's scripts may know about the session, and sign-out finished after being offline.

The session cookie is HttpOnly, so neither the page nor the service worker can tell whether the
browser still holds a session, or whose. Two small cookies say it (neither grants anything):

- `diary_user` (set here, readable by scripts): the id of the signed-in user, with the same
  lifetime as the session (the remember cookie's when "remember me" was ticked). When the session
  ends or expires, so does this cookie, and the service worker no longer serves that person's
  cached pages; the outbox sends a record only while it names the record's owner.
- `diary_signout` (set by the page when the patient signs out without a connection): a sign-out
  not yet told to the server. The next request that reaches the server signs the session out.

HTML pages of a signed-in user also carry `X-Diary-User`, so the service worker files its cached
copy under its owner.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user

from diary.auth import REMEMBER_COOKIE, end_sessions
from diary.services.sessions import REMEMBER_DAYS

USER_COOKIE = "diary_user"
SIGNOUT_COOKIE = "diary_signout"
USER_HEADER = "X-Diary-User"


def register_phone_session(app: Flask) -> None:
    @app.before_request
    def finish_offline_sign_out() -> None:
        if _cookie(request.cookies, SIGNOUT_COOKIE) and current_user.is_authenticated:
            # Like any sign-out: every session and remember token of the user ends.
            end_sessions(reason="sign-out (sent after being offline)")

    @app.after_request
    def describe_session(response: Response) -> Response:
        # The request and the user from behind their proxies, once (this runs on every request).
        req = request._get_current_object()
        if req.endpoint == "static":
            return response
        secure = app.config.get("SESSION_COOKIE_SECURE", False)
        cookies = req.cookies
        if _cookie(cookies, SIGNOUT_COOKIE):
            response.delete_cookie(SIGNOUT_COOKIE, path="/", secure=secure, samesite="Lax")
        user = current_user._get_current_object()
        if user.is_authenticated:
            user_id = str(user.id)
            if response.mimetype == "text/html":
                response.headers[USER_HEADER] = user_id
            if _cookie(cookies, USER_COOKIE) != user_id:
                response.set_cookie(
                    USER_COOKIE,
                    user_id,
                    max_age=_session_max_age(),
                    path="/",
                    secure=secure,
                    httponly=False,  # read by the page and the service worker; grants nothing
                    samesite="Lax",
                )
        elif _cookie(cookies, USER_COOKIE):
            response.delete_cookie(USER_COOKIE, path="/", secure=secure, samesite="Lax")
        return response


def _cookie(cookies, name: str) -> str | None:
    """cookies.get(name): but a missing cookie is found missing by `in`, since werkzeug's get()
    raises and catches an exception inside (these hooks run on every request)."""
    if name not in cookies:
        return None
    return cookies[name]


def _session_max_age() -> int | None:
    """As long as the session lasts: the remember cookie's duration, a permanent session's
    lifetime, else until the browser closes (None)."""
    new_token = g.get("remember_cookie") not in (None, "clear")
    if new_token or request.cookies.get(REMEMBER_COOKIE):
        return REMEMBER_DAYS * 24 * 3600
    if session.permanent:
        return int(current_app.permanent_session_lifetime.total_seconds())
    return None
