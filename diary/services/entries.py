"""Diary entries: the rules for creating (and replaying), editing, deleting, restoring, listing.

The HTML form and the JSON API both call these, so a rule and its message are written once.
Values arrive already in their Python types (the API's schema or the form parser did that);
anything of the wrong type or out of range gets the same per-field message either way.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from diary import codes
from diary.errors import Conflict, NotFound, ValidationError
from diary.extensions import db
from diary.models import NOTE_MAX, Entry, EntryRevision, User, utcnow
from diary.services import access
from diary.services.time import local_today

# An entry may describe a day up to this many days back (a phone offline for a while, a
# forgotten day); older days are refused so a typo in the year cannot file data in the past.
MAX_DAYS_BACK = 30
# A client's `recorded_at` is kept when it lies in [now - RECORDED_AT_MAX_AGE, now + SKEW];
# otherwise the server's clock is used.
RECORDED_AT_SKEW = timedelta(minutes=5)
RECORDED_AT_MAX_AGE = timedelta(days=7)
RESTORE_DAYS = 30
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


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


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


def _clean_text(value: Any, limit: int, errors: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append("Enter text.")
        return None
    value = value.strip()
    if len(value) > limit:
        errors.append(f"Use at most {limit} characters (this has {len(value)}).")
        return None
    return value or None


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
        if _int_in(data.get("pain"), codes.NRS_MIN, codes.NRS_MAX):
            clean["pain"] = data["pain"]
        else:
            problem("pain", MESSAGES["pain"])
    for field in INT_FIELDS[1:]:
        if field not in data:
            continue
        value = data[field]
        if value is None or _int_in(value, codes.NRS_MIN, codes.NRS_MAX):
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
            if len(meds) > MEDICATIONS_MAX:
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
            elif not all(_int_in(v, 0, len(codes.SEVERITIES) - 1) for v in value.values()):
                problem("side_effects", MESSAGES["severity"])
            else:
                # Severity 0 is "none": not stored, so an entry lists only what was felt.
                clean["side_effects"] = {k: v for k, v in value.items() if v}

    for field in TEXT_FIELDS:
        if field in data:
            found = []
            value = _clean_text(data[field], NOTE_MAX if field == "note" else TEXT_MAX, found)
            if found:
                errors[field] = found
            else:
                clean[field] = value

    if errors:
        raise ValidationError(errors=errors)
    return clean


def _check_least_worst(values: dict[str, Any]) -> None:
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


def content_of(entry: Entry) -> dict[str, Any]:
    """The patient-set content of an entry as JSON-ready values (what a revision stores)."""
    content: dict[str, Any] = {}
    for field in CONTENT_FIELDS:
        value = getattr(entry, field)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, list | dict):
            value = type(value)(value)
        content[field] = value
    content["recorded_at"] = entry.recorded_at.isoformat() if entry.recorded_at else None
    return content


@dataclass(frozen=True)
class Saved:
    entry: Entry
    created: bool  # False when the same id had been stored already (a replay)


def create_entry(patient: User, data: dict[str, Any], *, now: datetime | None = None) -> Saved:
    """Store a new entry. A client-made `id` already stored for this patient returns the stored
    entry unchanged (a replay: the outbox resending, or a double tap), also when two copies
    arrive at the same moment. An id used by another patient is a Conflict."""
    now = now or utcnow()
    data = dict(data)
    entry_id = data.pop("id", None)
    recorded_at = data.pop("recorded_at", None)
    if entry_id is not None and not isinstance(entry_id, uuid.UUID):
        try:
            entry_id = uuid.UUID(str(entry_id))
        except ValueError:
            raise ValidationError(errors={"id": ["Use a UUID."]}) from None
    if entry_id is not None:
        existing = db.session.get(Entry, entry_id)
        if existing is not None:
            return _replayed(existing, patient)
    values = validate_content(data, patient, now=now)
    _check_least_worst(values)
    entry = Entry(
        id=entry_id or uuid.uuid4(),
        patient_id=patient.id,
        recorded_at=recorded_at_or_now(recorded_at, now),
        version=1,
        created_at=now,
        updated_at=now,
        **({"symptoms": [], "body_sites": [], "medications": [], "side_effects": {}} | values),
    )
    db.session.add(entry)
    try:
        db.session.commit()
    except IntegrityError:
        # The same id was inserted by a concurrent request that committed first.
        db.session.rollback()
        existing = db.session.get(Entry, entry.id) if entry_id else None
        if existing is None:
            raise
        return _replayed(existing, patient)
    return Saved(entry, created=True)


def _replayed(existing: Entry, patient: User) -> Saved:
    if existing.patient_id != patient.id:
        raise Conflict("This entry id is already in use. Send the entry with a new id.")
    return Saved(existing, created=False)


def get_entry(user: User, entry_id: uuid.UUID) -> Entry:
    """The entry if `user` may see it (the gate decides), else NotFound. Deleted entries are
    returned too (with `deleted_at`), so they can be restored."""
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound("This entry does not exist.")
    access.patient_for(user, entry.patient_id, action="entry.read")
    return entry


def _own_entry(patient: User, entry_id: uuid.UUID) -> Entry:
    """An entry the patient may change: only their own (anyone else: NotFound)."""
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound("This entry does not exist.")
    owner = access.patient_for(patient, entry.patient_id, action=None)
    if owner.id != patient.id:  # a linked clinician reads entries but never changes them
        raise NotFound("This entry does not exist.")
    return entry


def _revise(entry: Entry, action: str, by: User, now: datetime) -> None:
    db.session.add(
        EntryRevision(
            entry_id=entry.id,
            version=entry.version,
            content=content_of(entry),
            action=action,
            changed_by_id=by.id,
            changed_at=now,
        )
    )
    entry.version += 1
    entry.updated_at = now


def update_entry(
    patient: User, entry_id: uuid.UUID, changes: dict[str, Any], *, now: datetime | None = None
) -> Entry:
    """Change some fields of the patient's own entry; the content before the edit is kept as a
    revision and the version goes up. A deleted entry must be restored first."""
    now = now or utcnow()
    entry = _own_entry(patient, entry_id)
    if entry.deleted_at is not None:
        raise Conflict("This entry is deleted. Restore it before editing it.")
    changes = dict(changes)
    if "day" in changes and changes["day"] in (entry.day, entry.day.isoformat()):
        changes.pop("day")  # an old entry keeps its day even when past the limit for new ones
    if "pain" in changes and changes["pain"] is None:
        changes["pain"] = "missing"  # pain now cannot be removed: refused with its message
    values = validate_content(changes, patient, partial=True, now=now)
    merged = {f: getattr(entry, f) for f in ("pain_least", "pain_worst")} | values
    _check_least_worst(merged)
    changed = {k: v for k, v in values.items() if getattr(entry, k) != v}
    if not changed:
        return entry
    _revise(entry, "edit", patient, now)
    for field, value in changed.items():
        setattr(entry, field, value)
    db.session.commit()
    return entry


def delete_entry(patient: User, entry_id: uuid.UUID, *, now: datetime | None = None) -> Entry:
    """Soft delete: the entry leaves lists and charts and can be restored for RESTORE_DAYS."""
    now = now or utcnow()
    entry = _own_entry(patient, entry_id)
    if entry.deleted_at is None:
        _revise(entry, "delete", patient, now)
        entry.deleted_at = now
        db.session.commit()
    return entry


def restore_entry(patient: User, entry_id: uuid.UUID, *, now: datetime | None = None) -> Entry:
    now = now or utcnow()
    entry = _own_entry(patient, entry_id)
    if entry.deleted_at is None:
        raise Conflict("This entry is not deleted.")
    if entry.deleted_at < now - timedelta(days=RESTORE_DAYS):
        raise Conflict(f"Deleted entries can be restored for {RESTORE_DAYS} days only.")
    _revise(entry, "restore", patient, now)
    entry.deleted_at = None
    db.session.commit()
    return entry


def restorable_until(entry: Entry) -> datetime | None:
    return entry.deleted_at + timedelta(days=RESTORE_DAYS) if entry.deleted_at else None


def list_entries(
    patient_id: int,
    start: date | None = None,
    end: date | None = None,
    *,
    include_deleted: bool = False,
) -> list[Entry]:
    """A patient's entries for days start..end (inclusive), oldest first.

    Callers pass a patient id that has been through the access gate."""
    query = select(Entry).where(Entry.patient_id == patient_id)
    if start is not None:
        query = query.where(Entry.day >= start)
    if end is not None:
        query = query.where(Entry.day <= end)
    if not include_deleted:
        query = query.where(Entry.deleted_at.is_(None))
    return list(db.session.scalars(query.order_by(Entry.day, Entry.recorded_at, Entry.id)))


HISTORY_PAGE = 50


def history(patient: User, *, page: int = 1, now: datetime | None = None) -> list[Entry]:
    """The patient's entries newest first, with deleted ones still restorable (for undo).
    One page of HISTORY_PAGE; ask for page + 1 while a full page comes back."""
    now = now or utcnow()
    restorable = Entry.deleted_at >= now - timedelta(days=RESTORE_DAYS)
    query = (
        select(Entry)
        .where(Entry.patient_id == patient.id, or_(Entry.deleted_at.is_(None), restorable))
        .order_by(Entry.day.desc(), Entry.recorded_at.desc(), Entry.id)
        .limit(HISTORY_PAGE + 1)
        .offset((max(page, 1) - 1) * HISTORY_PAGE)
    )
    return list(db.session.scalars(query))


def has_entry_on(patient: User, day: date) -> bool:
    query = select(Entry.id).where(
        Entry.patient_id == patient.id, Entry.day == day, Entry.deleted_at.is_(None)
    )
    return db.session.scalar(query.limit(1)) is not None


def revisions(patient: User, entry_id: uuid.UUID) -> list[EntryRevision]:
    entry = _own_entry(patient, entry_id)
    return list(entry.revisions)
