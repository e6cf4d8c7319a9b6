"""Pages that belong to no one role: the root, health check, offline page, PWA files."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    send_from_directory,
)
from flask_login import current_user
from sqlalchemy import text

from diary import assets
from diary.auth import home_for
from diary.extensions import db

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect("/login")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        current_app.logger.exception("health check: database did not answer")
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok")


@bp.get("/offline")
def offline():
    response = make_response(render_template("offline.html"))
    # The service worker keeps this page for when there is no connection: not no-store.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    response = make_response(assets.service_worker_source())
    response.mimetype = "text/javascript"
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    return send_from_directory(
        current_app.static_folder, "manifest.webmanifest", mimetype="application/manifest+json"
    )
