"""The rules of a diary entry's content: ranges, codes, dates, text lengths, and their messages.

The HTML form and the JSON API both pass through `validate_content`, so a rule and its message
are written once. Values arrive already in their Python types (the API's schema or the form
parser did that); anything of the wrong type or out of range gets the same per-field message.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

from diary import measures
from diary.errors import ValidationError
from diary.measures import Kind, Measure
from diary.models import User
from diary.services.field_rules import clean_text, text_problem, whole_number_in
from diary.services.local_time import is_zone, local_today, today_in

# An entry may describe a day up to this many days back (a phone offline for a while, a
# forgotten day); older days are refused so a typo in the year cannot file data in the past.
MAX_DAYS_BACK = 30
# A client's `recorded_at` is kept when it lies in [now - RECORDED_AT_MAX_AGE, now + SKEW];
# otherwise the server's clock is used.
RECORDED_AT_SKEW = timedelta(minutes=5)
RECORDED_AT_MAX_AGE = timedelta(days=7)

# Everything the patient can set or change; `id`, `recorded_at` are set on create only.
CONTENT_FIELDS = ("day", *measures.CODES)

MESSAGES = {
    "day_format": "Use a date as YYYY-MM-DD.",
    "day_future": "This day has not happened yet.",
    "day_past": f"Entries can be made for the last {MAX_DAYS_BACK} days only.",
    "timezone": "Send the phone's time zone as an IANA name, e.g. Europe/London.",
}


def _clean_codes(value: Any, allowed: frozenset[str], noun: str, errors: list[str]) -> Any:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.append(f"Send a list of {noun} codes.")
        return None
    unknown = sorted({v for v in value if v not in allowed})
    if unknown:
        errors.append(f"Unknown {noun} code: {', '.join(unknown)}.")
        return None
    return list(dict.fromkeys(value))  # keep the order, drop repeats


def _clean_lines(value: Any, m: Measure, errors: list[str]) -> Any:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.append(f"Send a list of {m.noun}s, one per line.")
        return None
    # A line typed with a ';' is the lines it separates (the CSV export's list separator).
    lines = [
        part.strip() for v in value for part in v.split(measures.LIST_SEPARATOR) if part.strip()
    ]
    if bad := next(filter(None, map(text_problem, lines)), None):
        errors.append(bad)
    elif len(lines) > m.max_items:
        errors.append(f"List at most {m.max_items} {m.noun}s.")
    elif any(len(v) > m.max_length for v in lines):
        errors.append(f"Keep each {m.noun} under {m.max_length} characters.")
    else:
        return list(dict.fromkeys(lines))
    return None


def _clean_severities(value: Any, m: Measure, errors: list[str]) -> Any:
    if not isinstance(value, dict):
        errors.append(f"Send {m.noun}s as {{code: severity}}.")
        return None
    unknown = sorted(k for k in value if k not in m.option_codes)
    if unknown:
        errors.append(f"Unknown {m.noun} code: {', '.join(unknown)}.")
        return None
    low, high = int(m.minimum or 0), int(m.maximum or 0)
    if not all(whole_number_in(v, low, high) for v in value.values()):
        errors.append(m.message)
        return None
    # Severity 0 is "none": not stored, so an entry lists only what was felt.
    return {k: v for k, v in value.items() if v}


def clean_value(m: Measure, value: Any, errors: list[str]) -> Any:
    """One measure's value checked and normalised by its kind and range (diary.measures);
    a problem goes to `errors` (and None is returned)."""
    if m.kind is Kind.SCALE:
        if value is None and not m.required:
            return None
        if whole_number_in(value, int(m.minimum or 0), int(m.maximum or 0)):
            return value
        errors.append(m.message)
    elif m.kind is Kind.DECIMAL:
        ok_number = isinstance(value, int | float) and not isinstance(value, bool)
        if value is None and not m.required:
            return None
        if ok_number and math.isfinite(value) and m.minimum <= value <= m.maximum:
            return round(float(value), m.decimals)
        errors.append(m.message)
    elif m.kind is Kind.CODES:
        return _clean_codes(value or [], m.option_codes, m.noun, errors)
    elif m.kind is Kind.LINES:
        return _clean_lines(value or [], m, errors)
    elif m.kind is Kind.SEVERITIES:
        return _clean_severities(value or {}, m, errors)
    elif m.kind is Kind.TEXT:
        return clean_text(value, m.max_length, errors)
    return None


def entry_today(patient: User, zone_name: str | None, now: datetime | None = None) -> date:
    """Today where the entry is made: in `zone_name` (the phone's zone kept with the entry)
    when given, else in the patient's zone from their settings."""
    return today_in(zone_name, now) if zone_name else local_today(patient, now)


def clean_zone(value: Any) -> str | None:
    """The entry's time zone: None (not sent) or a known IANA name; else ValidationError."""
    if value is None or value == "":
        return None
    if not is_zone(value):
        raise ValidationError(errors={"timezone": [MESSAGES["timezone"]]})
    return value


def validate_content(
    data: dict[str, Any],
    patient: User,
    *,
    partial: bool = False,
    now: datetime | None = None,
    zone_name: str | None = None,
    earliest: date | None = None,
) -> dict[str, Any]:
    """Check and normalise an entry's content. Returns the values to store; raises
    ValidationError with a message per field. With `partial`, only the fields given are checked
    (an edit), and a required measure (pain now) may be absent. The day is checked against
    today in `zone_name` (the zone the entry was made in), else in the patient's zone.
    `earliest` replaces the MAX_DAYS_BACK limit (an import of an old diary)."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    unknown = set(data) - set(CONTENT_FIELDS)
    for field in sorted(unknown):
        problem(field, "Unknown field.")

    if "day" in data or not partial:
        today = entry_today(patient, zone_name, now)
        day = data.get("day")
        if day is None:
            day = today
        if isinstance(day, str):
            try:
                day = date.fromisoformat(day)
            except ValueError:
                day = None
        if not isinstance(day, date) or isinstance(day, datetime):
            problem("day", MESSAGES["day_format"])
        else:
            if day > today:
                problem("day", MESSAGES["day_future"])
            elif earliest is not None and day < earliest:
                problem("day", f"The day is too far in the past (before {earliest.isoformat()}).")
            elif earliest is None and day < today - timedelta(days=MAX_DAYS_BACK):
                problem("day", MESSAGES["day_past"])
            else:
                clean["day"] = day

    for m in measures.MEASURES:
        if m.code not in data and (partial or not m.required):
            continue
        found: list[str] = []
        value = clean_value(m, data.get(m.code), found)
        if found:
            errors[m.code] = found
        else:
            clean[m.code] = value

    if errors:
        raise ValidationError(errors=errors)
    return clean


def check_not_above(values: dict[str, Any]) -> None:
    """A measure with `not_above` (least pain) may not exceed the other one (worst pain)."""
    for m in measures.MEASURES:
        if m.not_above is None:
            continue
        value, limit = values.get(m.code), values.get(m.not_above)
        if value is not None and limit is not None and value > limit:
            other = measures.BY_CODE[m.not_above]
            first, second = _first_words(m.label), _first_words(other.label)
            message = f"{first.capitalize()} cannot be more than {second}."
            raise ValidationError(errors={m.code: [message]})


def _first_words(label: str) -> str:
    """ "Least pain in the last 24 hours" -> "least pain" (for a message)."""
    return " ".join(label.split()[:2]).lower()


def recorded_at_or_now(value: datetime | None, now: datetime) -> datetime:
    """The client's moment of saving when believable, else `now` (the server's clock)."""
    if value is None or value.tzinfo is None:
        return now
    if now - RECORDED_AT_MAX_AGE <= value <= now + RECORDED_AT_SKEW:
        return min(value, now)
    return now
