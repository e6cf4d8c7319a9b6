"""The JSON API under /api/v1. marshmallow schemas live in `schemas/`, here and only here."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from diary.api import auth, entries, exports, infusions, openapi, patients, review  # noqa: E402,F401  (routes register on import)
