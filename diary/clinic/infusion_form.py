"""The infusion session's HTML form, read into the values the JSON API sends, and an existing
session shown as the form's strings.

Only the shape is handled here (strings to numbers and dates, lines to lists); every rule and
message is in diary.services.infusions, which both the form and the API call.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from diary import infusion_fields
from diary.errors import ValidationError
from diary.infusion_fields import Kind
from diary.models import Infusion
from diary.services import infusions


def form_values(infusion: Infusion | None, tz: ZoneInfo) -> dict[str, Any]:
    """What the form shows for an existing session (or a new one), as strings."""
    if infusion is None:
        return {
            "date": "",
            "time": "09:00",
            "adjuncts": "",
            "exam": "no",
            "exam_signs": [],
            "course_rule": "",
        }
    local = infusion.started_at.astimezone(tz)

    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return {
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        **{
            name: text(getattr(infusion, name))
            for name in infusion_fields.of_kind(Kind.WHOLE, Kind.NUMBER)
        },
        **{name: getattr(infusion, name) or "" for name in infusions.TEXT_FIELDS},
        "adjuncts": ", ".join(infusion.adjuncts or []),
        "exam": "no" if infusion.exam_signs is None else "yes",
        "exam_signs": list(infusion.exam_signs or []),
        "course_rule": infusion.course_rule or "",
    }


def infusion_from_form(form: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """Turn the form's strings into values for `clean`; the date and time are in `tz`, the
    patient's time zone (the diary's days are the patient's days). Raises ValidationError for
    entries that are not numbers or dates, with the same field names as `clean`."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    raw_date, raw_time = form.get("date", "").strip(), form.get("time", "").strip()
    if not raw_date:
        errors["started_at"] = ["Enter the date and time of the session."]
    else:
        try:
            day = date.fromisoformat(raw_date)
            at = time.fromisoformat(raw_time) if raw_time else time(9, 0)
            values["started_at"] = datetime.combine(day, at, tzinfo=tz)
        except ValueError:
            errors["started_at"] = ["Use a date as YYYY-MM-DD and a time as HH:MM."]

    numeric = {
        "duration_minutes": (int, "Enter the duration in whole minutes."),
        "dose_mg": (float, "Enter the total dose in mg as a number."),
        "rate_mg_kg_h": (float, "Enter the rate in mg/kg/h as a number."),
        "pain_pre": (int, "Pain before the session is a whole number from 0 to 10."),
        "pain_post": (int, "Pain after the session is a whole number from 0 to 10."),
    }
    for name, (kind, message) in numeric.items():
        raw = form.get(name, "").strip().replace(",", ".")
        if not raw:
            values[name] = None
            continue
        try:
            values[name] = kind(raw)
        except ValueError:
            errors[name] = [message]
    # as typed: infusions.clean splits it at commas, ';' and line breaks (ADJUNCT_SEPARATORS)
    values["adjuncts"] = [form.get("adjuncts", "")]
    for name in infusions.TEXT_FIELDS:
        values[name] = form.get(name, "")
    getlist = getattr(form, "getlist", None)
    signs = getlist("exam_signs") if getlist else form.get("exam_signs", [])
    values["exam_signs"] = list(signs) if form.get("exam") == "yes" else None
    values["course_rule"] = form.get("course_rule", "").strip() or None
    if errors:
        # Report the rule messages for the other fields too, so the form shows all at once.
        try:
            infusions.clean({k: v for k, v in values.items() if k not in errors})
        except ValidationError as exc:
            errors = {**(exc.errors or {}), **errors}
        raise ValidationError(errors=errors)
    return values
