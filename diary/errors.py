"""Typed errors raised by services, and the one place that turns any error into a response.

Under /api/ every error is JSON `{"error": {"code", "message"}}` (plus `errors` per field on 422);
elsewhere it is a friendly HTML page. A stack trace never reaches the user.
"""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str = "",
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message or self.default_message
        self.errors = errors
        self.headers = headers or {}

    default_message = "The request could not be handled."


class ValidationError(ServiceError):
    status = 422
    code = "validation_failed"
    default_message = "Some fields need attention."


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    default_message = "Not found."


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
    default_message = "You do not have access to this page."


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    default_message = "This conflicts with data already stored."


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _respond(status: int, code: str, message: str, errors=None) -> Response:
    if wants_json():
        body: dict = {"error": {"code": code, "message": message}}
        if errors:
            body["errors"] = errors
        return make_response(jsonify(body), status)
    return make_response(render_template("error.html", status=status, message=message), status)


DATABASE_UNAVAILABLE = (
    "The diary cannot reach its database just now, so nothing from this request was saved. "
    "Please try again in a minute. An entry made on your phone stays in its outbox and is "
    "sent again by itself."
)
# The database did not answer, refused the connection, dropped it, or stayed locked (SQLite).
DATABASE_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.TimeoutError)
    def database_error(exc: Exception):
        from diary.extensions import db

        # Whatever the transaction had done is thrown away, never half-committed (the
        # connection may be gone already: then there is nothing to roll back).
        with contextlib.suppress(Exception):
            db.session.rollback()
        # The page must not need the database: the user (if any) is shown as signed out.
        g._login_user = AnonymousUserMixin()
        if not isinstance(exc, DATABASE_DOWN):
            return unexpected_error(exc)
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
        response = _respond(503, "database_unavailable", DATABASE_UNAVAILABLE)
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        response = _respond(exc.status, exc.code, exc.message, exc.errors)
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _respond(
            400,
            "csrf_failed",
            "The form expired or was not sent from this site. Reload the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        response = _respond(exc.code or 500, code, exc.description or exc.name)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(
            500,
            "internal_error",
            "Something went wrong on our side. "
            "Nothing you saved before was lost; please try again.",
        )
