"""Infusion sessions: the clinician records, edits and lists them.

The rules are written here once: the HTML form (read by `diary.clinic.infusion_form`) and the
JSON API (after its schema has checked the shape) both call `create_infusion` /
`update_infusion`, so both give the same message per field. A session whose start is in the
future is a scheduled session.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from diary import infusion_fields
from diary.analysis import CourseRule
from diary.codes import EXAM_SIGN_CODES, EXAM_SIGNS
from diary.errors import NotFound, ValidationError
from diary.extensions import db
from diary.models import Infusion, User, utcnow
from diary.services import audit, clinic_records
from diary.services.field_rules import clean_text, text_problem, whole_number_in

# Declared in diary/infusion_fields.py, with where each one goes (CSV, FHIR).
FIELDS = infusion_fields.NAMES
TEXT_FIELDS = infusion_fields.of_kind(infusion_fields.Kind.TEXT)
TEXT_MAX = 4000
ADJUNCT_MAX = 100
ADJUNCT_SEPARATORS = re.compile(r"[,;\n]")
ADJUNCTS_MAX = 20
DURATION_MAX_MINUTES = 7 * 24 * 60  # continuous protocols run up to about 4-5 days
DOSE_MAX_MG = 10_000.0
RATE_MAX_MG_KG_H = 10.0
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
SCHEDULE_HORIZON_DAYS = 366


def list_infusions(patient_id: int) -> list[Infusion]:
    """A patient's sessions, scheduled and past, newest first."""
    return clinic_records.newest_first(Infusion, Infusion.started_at, patient_id)


def get_infusion(patient: User, infusion_id: int) -> Infusion:
    """The session `infusion_id` of `patient`, else NotFound (also for another patient's)."""
    infusion = db.session.get(Infusion, infusion_id)
    if infusion is None or infusion.patient_id != patient.id:
        raise NotFound()
    return infusion


def create_infusion(patient: User, clinician: User, values: Mapping[str, Any]) -> Infusion:
    """Record a session for `patient` (validated by `clean`); committed with its audit event."""
    return clinic_records.create(Infusion, "infusion", patient, clinician, clean(values))


def update_infusion(
    patient: User, infusion_id: int, values: Mapping[str, Any], by: User
) -> Infusion:
    """Change the given fields of a session; the others keep their values. The rules apply to
    the session as it will be after the change (e.g. pain after a session that is still in the
    future is refused)."""
    infusion = get_infusion(patient, infusion_id)
    current = {name: getattr(infusion, name) for name in FIELDS}
    cleaned = clean({**current, **values})
    changed = sorted(name for name in values if name in FIELDS and cleaned[name] != current[name])
    for name in FIELDS:
        setattr(infusion, name, cleaned[name])
    audit.record(
        "infusion.update",
        actor=by,
        patient_id=patient.id,
        object_type="infusion",
        object_id=infusion.id,
        detail={"fields": changed},
    )
    db.session.commit()
    return infusion


def clean(values: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The values of a session, checked; raises ValidationError with a message per field.

    started_at is required (timezone-aware, from 2000 up to a year ahead). Optional: duration
    1-10080 minutes; total dose above 0 and at most 10,000 mg; rate above 0 and at most
    10 mg/kg/h; up to 20 adjuncts of at most 100 characters (split at ',', ';' and line
    breaks; blank ones dropped, duplicates once); pain before/after 0-10 (no pain after a
    session that has not started); free texts of at most 4000 characters (blank is none);
    exam_signs None (no exam recorded) or codes of
    codes.EXAM_SIGNS (an empty list: examined, no sign found); course_rule None (automatic
    grouping) or an analysis.CourseRule.
    """
    now = now or utcnow()
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    started = values.get("started_at")
    if started is None:
        errors["started_at"] = ["Enter the date and time of the session."]
    elif not isinstance(started, datetime) or started.tzinfo is None:
        errors["started_at"] = ["Give the time with its time zone."]
    elif started < EARLIEST:
        errors["started_at"] = ["The date is too far in the past."]
    elif (started - now).days >= SCHEDULE_HORIZON_DAYS:
        errors["started_at"] = ["A session can be scheduled at most a year ahead."]
    else:
        out["started_at"] = started.astimezone(UTC)

    def number(name: str, low: float, high: float, message: str, *, whole: bool) -> None:
        """low < value <= high for amounts (never 0 mg), low <= value <= high for minutes."""
        value = values.get(name)
        if value is None:
            out[name] = None
        elif (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and (not whole or value == int(value))
            and low <= value <= high
            and value != 0
        ):
            out[name] = int(value) if whole else float(value)
        else:
            errors[name] = [message]

    number(
        "duration_minutes",
        1,
        DURATION_MAX_MINUTES,
        f"Enter the duration in whole minutes, 1 to {DURATION_MAX_MINUTES}.",
        whole=True,
    )
    number(
        "dose_mg",
        0,
        DOSE_MAX_MG,
        "Enter the total dose in mg, above 0 and at most 10000.",
        whole=False,
    )
    number(
        "rate_mg_kg_h",
        0,
        RATE_MAX_MG_KG_H,
        "Enter the rate in mg/kg/h, above 0 and at most 10.",
        whole=False,
    )
    for name, when in (("pain_pre", "before"), ("pain_post", "after")):
        value = values.get(name)
        if value is None:
            out[name] = None
        elif not whole_number_in(value, 0, 10):
            errors[name] = [f"Pain {when} the session is a whole number from 0 to 10."]
        else:
            out[name] = value
    if out.get("pain_post") is not None and "started_at" in out and out["started_at"] > now:
        errors["pain_post"] = ["A scheduled session has no pain after it yet."]

    adjuncts = values.get("adjuncts") or []
    if not isinstance(adjuncts, list | tuple) or not all(isinstance(a, str) for a in adjuncts):
        errors["adjuncts"] = ["List the adjuncts as text."]
    elif problem := next(filter(None, map(text_problem, adjuncts)), None):
        errors["adjuncts"] = [problem]
    else:
        kept: list[str] = []
        # One adjunct per ',' (the form's list), ';' (the CSV's) or line: an adjunct sent with
        # one is the adjuncts it separates, as the form and an export's import read it.
        parts = (p for a in adjuncts for p in ADJUNCT_SEPARATORS.split(a))
        for adjunct in (a.strip() for a in parts):
            if adjunct and adjunct.casefold() not in {k.casefold() for k in kept}:
                kept.append(adjunct)
        if len(kept) > ADJUNCTS_MAX:
            errors["adjuncts"] = [f"List at most {ADJUNCTS_MAX} adjuncts."]
        elif any(len(a) > ADJUNCT_MAX for a in kept):
            errors["adjuncts"] = [f"Each adjunct is at most {ADJUNCT_MAX} characters."]
        else:
            out["adjuncts"] = kept

    for name in TEXT_FIELDS:
        found: list[str] = []
        out[name] = clean_text(values.get(name), TEXT_MAX, found)
        if found:
            errors[name] = found

    signs = values.get("exam_signs")
    if signs is None:
        out["exam_signs"] = None
    elif not isinstance(signs, list | tuple | set | frozenset):
        errors["exam_signs"] = ["List the observed signs, or leave out the exam."]
    elif unknown := sorted(str(s) for s in signs if s not in EXAM_SIGN_CODES):
        errors["exam_signs"] = [f"Unknown sign: {', '.join(unknown)}."]
    else:
        # Stored in the form's order, so an unchanged exam compares equal.
        out["exam_signs"] = [c.code for c in EXAM_SIGNS if c.code in set(signs)]

    rule = values.get("course_rule")
    if rule in (None, ""):
        out["course_rule"] = None
    elif rule in {r.value for r in CourseRule}:
        out["course_rule"] = str(rule)
    else:
        errors["course_rule"] = [
            "Choose automatic grouping, a new course, or the previous session's course."
        ]

    if errors:
        raise ValidationError(errors=errors)
    return out
