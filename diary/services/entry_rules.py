"""The rules of a diary entry's content: ranges, codes, dates, text lengths, and their messages.

The HTML form and the JSON API both pass through `validate_content`, so a rule and its message
are written once. Values arrive already in their Python types (the API's schema or the form
parser did that); anything of the wrong type or out of range gets the same per-field message.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

from diary import codes
from diary.errors import ValidationError
from diary.models import NOTE_MAX, User
from diary.services.field_rules import clean_text, text_problem, whole_number_in
from diary.services.time import local_today

# An entry may describe a day up to this many days back (a phone offline for a while, a
# forgotten day); older days are refused so a typo in the year cannot file data in the past.
MAX_DAYS_BACK = 30
# A client's `recorded_at` is kept when it lies in [now - RECORDED_AT_MAX_AGE, now + SKEW];
# otherwise the server's clock is used.
RECORDED_AT_SKEW = timedelta(minutes=5)
RECORDED_AT_MAX_AGE = timedelta(days=7)
TEXT_MAX = 200
MEDICATIONS_MAX = 30

NRS_FIELDS = ("pain", "pain_worst", "pain_least", "pain_average")
SCALE_FIELDS = ("sleep_quality", "peg_enjoyment", "peg_activity", "mood")
INT_FIELDS = NRS_FIELDS + SCALE_FIELDS
LIST_FIELDS = ("symptoms", "body_sites", "medications")
TEXT_FIELDS = ("body_site_other", "side_effect_other", "note")
# Everything the patient can set or change; `id`, `recorded_at` are set on create only.
CONTENT_FIELDS = (
    "day",
    *INT_FIELDS,
    "symptoms",
    "body_sites",
    "body_site_other",
    "sleep_hours",
    "medications",
    "side_effects",
    "side_effect_other",
    "note",
)

MESSAGES = {
    "pain": "Choose your pain now, from 0 to 10.",
    "nrs": "Choose a whole number from 0 to 10.",
    "sleep_hours": "Enter the hours slept, from 0 to 24.",
    "day_format": "Use a date as YYYY-MM-DD.",
    "day_future": "This day has not happened yet.",
    "day_past": f"Entries can be made for the last {MAX_DAYS_BACK} days only.",
    "severity": "Choose a severity from 0 (none) to 4 (very severe).",
    "least_worst": "Least pain cannot be more than worst pain.",
}


def _clean_codes(
    value: Any, allowed: frozenset[str], what: str, errors: list[str]
) -> list[str] | None:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.append(f"Send a list of {what} codes.")
        return None
    unknown = sorted({v for v in value if v not in allowed})
    if unknown:
        errors.append(f"Unknown {what} code: {', '.join(unknown)}.")
        return None
    return list(dict.fromkeys(value))  # keep the order, drop repeats


def validate_content(
    data: dict[str, Any], patient: User, *, partial: bool = False, now: datetime | None = None
) -> dict[str, Any]:
    """Check and normalise an entry's content. Returns the values to store; raises
    ValidationError with a message per field. With `partial`, only the fields given are checked
    (an edit), and `pain` may be absent."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    unknown = set(data) - set(CONTENT_FIELDS)
    for field in sorted(unknown):
        problem(field, "Unknown field.")

    if "day" in data or not partial:
        day = data.get("day")
        if day is None:
            day = local_today(patient, now)
        if isinstance(day, str):
            try:
                day = date.fromisoformat(day)
            except ValueError:
                day = None
        if not isinstance(day, date) or isinstance(day, datetime):
            problem("day", MESSAGES["day_format"])
        else:
            today = local_today(patient, now)
            if day > today:
                problem("day", MESSAGES["day_future"])
            elif day < today - timedelta(days=MAX_DAYS_BACK):
                problem("day", MESSAGES["day_past"])
            else:
                clean["day"] = day

    if "pain" in data or not partial:
        if whole_number_in(data.get("pain"), codes.NRS_MIN, codes.NRS_MAX):
            clean["pain"] = data["pain"]
        else:
            problem("pain", MESSAGES["pain"])
    for field in INT_FIELDS[1:]:
        if field not in data:
            continue
        value = data[field]
        if value is None or whole_number_in(value, codes.NRS_MIN, codes.NRS_MAX):
            clean[field] = value
        else:
            problem(field, MESSAGES["nrs"])

    if "sleep_hours" in data:
        value = data["sleep_hours"]
        ok_number = isinstance(value, int | float) and not isinstance(value, bool)
        if value is None:
            clean["sleep_hours"] = None
        elif ok_number and math.isfinite(value) and 0 <= value <= 24:
            clean["sleep_hours"] = round(float(value), 1)
        else:
            problem("sleep_hours", MESSAGES["sleep_hours"])

    for field, allowed, what in (
        ("symptoms", codes.SYMPTOM_CODES, "symptom"),
        ("body_sites", codes.BODY_SITE_CODES, "body site"),
    ):
        if field in data:
            found: list[str] = []
            value = _clean_codes(data[field] or [], allowed, what, found)
            if found:
                errors[field] = found
            else:
                clean[field] = value

    if "medications" in data:
        meds = data["medications"] or []
        if not isinstance(meds, list | tuple) or not all(isinstance(m, str) for m in meds):
            problem("medications", "Send a list of medications, one per line.")
        else:
            meds = [m.strip() for m in meds if m.strip()]
            if bad := next(filter(None, map(text_problem, meds)), None):
                problem("medications", bad)
            elif len(meds) > MEDICATIONS_MAX:
                problem("medications", f"List at most {MEDICATIONS_MAX} medications.")
            elif any(len(m) > TEXT_MAX for m in meds):
                problem("medications", f"Keep each medication under {TEXT_MAX} characters.")
            else:
                clean["medications"] = list(dict.fromkeys(meds))

    if "side_effects" in data:
        value = data["side_effects"] or {}
        if not isinstance(value, dict):
            problem("side_effects", "Send side effects as {code: severity}.")
        else:
            unknown_codes = sorted(k for k in value if k not in codes.SIDE_EFFECT_CODES)
            if unknown_codes:
                problem("side_effects", f"Unknown side effect code: {', '.join(unknown_codes)}.")
            elif not all(whole_number_in(v, 0, len(codes.SEVERITIES) - 1) for v in value.values()):
                problem("side_effects", MESSAGES["severity"])
            else:
                # Severity 0 is "none": not stored, so an entry lists only what was felt.
                clean["side_effects"] = {k: v for k, v in value.items() if v}

    for field in TEXT_FIELDS:
        if field in data:
            found = []
            value = clean_text(data[field], NOTE_MAX if field == "note" else TEXT_MAX, found)
            if found:
                errors[field] = found
            else:
                clean[field] = value

    if errors:
        raise ValidationError(errors=errors)
    return clean


def check_least_worst(values: dict[str, Any]) -> None:
    least, worst = values.get("pain_least"), values.get("pain_worst")
    if least is not None and worst is not None and least > worst:
        raise ValidationError(errors={"pain_least": [MESSAGES["least_worst"]]})


def recorded_at_or_now(value: datetime | None, now: datetime) -> datetime:
    """The client's moment of saving when believable, else `now` (the server's clock)."""
    if value is None or value.tzinfo is None:
        return now
    if now - RECORDED_AT_MAX_AGE <= value <= now + RECORDED_AT_SKEW:
        return min(value, now)
    return now
