"""The JSON API under /api/v1. marshmallow schemas live in `schemas/`, here and only here."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from diary.api import (  # noqa: E402,F401  (routes register on import)
    account,
    auth,
    entries,
    exports,
    imports,
    infusions,
    openapi,
    patients,
    push,
    review,
    usual_medications,
)
