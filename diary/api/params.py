"""Reading a request: query-string parameters and JSON bodies, shared by the API views."""

from __future__ import annotations

from datetime import date

from flask import request
from marshmallow import Schema
from marshmallow import ValidationError as SchemaError

from diary.errors import ValidationError
from diary.request_json import NOT_JSON, request_json
from diary.services.review import DEFAULT_RANGE, RANGES


def date_range() -> tuple[date | None, date | None]:
    """`from` and `to` as ISO dates (both optional); 422 naming the field when malformed."""
    errors: dict[str, list[str]] = {}
    values: dict[str, date | None] = {}
    for name in ("from", "to"):
        raw = request.args.get(name)
        try:
            values[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = ["Use a date as YYYY-MM-DD."]
    if not errors and values["from"] and values["to"] and values["from"] > values["to"]:
        errors["from"] = ["`from` must not be after `to`."]
    if errors:
        raise ValidationError(errors=errors)
    return values["from"], values["to"]


def patient_id_param() -> int | None:
    """`patient_id` from the query string (optional); 422 when it is not a whole number."""
    raw = request.args.get("patient_id")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise ValidationError(errors={"patient_id": ["Send the patient's id as a whole number."]})
    return int(raw)


def json_body(schema: Schema, *, partial: bool = False) -> dict:
    """The JSON object body through `schema` (types, unknown fields refused), else 422 with the
    messages per field."""
    body = request_json()
    if not isinstance(body, dict):
        raise ValidationError(NOT_JSON)
    try:
        return schema.load(body, partial=partial)
    except SchemaError as exc:
        raise ValidationError(errors=exc.messages_dict) from None


def review_range() -> str:
    """`range` of the review's charts: one of review.RANGES (default 90 days); 422 otherwise."""
    raw = request.args.get("range") or DEFAULT_RANGE
    if raw not in RANGES:
        raise ValidationError(errors={"range": ["Use one of 30, 90, 180, 365 or all."]})
    return raw
