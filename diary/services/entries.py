"""Diary entries: creating (and replaying), editing, deleting, restoring, listing.

The HTML form and the JSON API both call these; the content rules are in `entry_rules`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from diary import analysis, measures
from diary.errors import Conflict, NotFound, ServiceError, ValidationError
from diary.extensions import db
from diary.models import Entry, EntryRevision, Role, User, utcnow
from diary.services import access
from diary.services.entry_rows import NEW_ENTRY_DEFAULTS, add_as_row
from diary.services.entry_rules import (
    CONTENT_FIELDS,
    check_not_above,
    clean_zone,
    recorded_at_or_now,
    validate_content,
)
from diary.services.transactions import commit_keeping_loaded

RESTORE_DAYS = 30


class VersionConflict(Conflict):
    """The entry changed since the version the client edited (another device, another tab, two
    edits at once). `current` is the entry as stored now, for the client to show."""

    code = "version_conflict"
    default_message = (
        "This entry was changed elsewhere since you opened it. Nothing was overwritten: "
        "here it is as it is now; make your change again if you still want it."
    )

    def __init__(self, current: Entry):
        super().__init__()
        self.current = current


class VersionRequired(ServiceError):
    status = 428
    code = "version_required"
    default_message = (
        "Say which version you edited: send the entry's `version` (or an If-Match header "
        "with its ETag), so an edit made elsewhere in the meantime is not overwritten."
    )


def _commit_or_conflict(entry_id: uuid.UUID) -> None:
    """Commit an entry's change; if another change of the same version got there first (the
    UPDATE matched no row, or the revision number is taken), nothing is stored: 409."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        current = db.session.get(Entry, entry_id, populate_existing=True)
        if current is None:
            raise NotFound("This entry does not exist.") from None
        raise VersionConflict(current) from None


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


def create_entry(
    patient: User, data: dict[str, Any], *, now: datetime | None = None, by: User | None = None
) -> Saved:
    """Store a new entry for `patient`, typed by `by` (default: the patient; a carer passes
    themself, after the gate `access.diary_for` let them in: a proxy entry). A client-made
    `id` already stored for this patient returns the stored entry unchanged (a replay: the
    outbox resending, or a double tap), also when two copies arrive at the same moment. An id
    used by another patient is a Conflict.

    The usual case costs one INSERT (its trigger raises the data version) in one transaction: a
    replay is found by the primary key refusing the second INSERT, not by a SELECT first."""
    now = now or utcnow()
    data = dict(data)
    entry_id = data.pop("id", None)
    recorded_at = data.pop("recorded_at", None)
    zone_sent = data.pop("timezone", None)
    if entry_id is not None and not isinstance(entry_id, uuid.UUID):
        try:
            entry_id = uuid.UUID(str(entry_id))
        except ValueError:
            raise ValidationError(errors={"id": ["Use a UUID."]}) from None
    try:
        zone_name = clean_zone(zone_sent)
        values = validate_content(data, patient, now=now, zone_name=zone_name)
        check_not_above(values)
    except ValidationError:
        # A replay is answered with what was stored, even if the same content would be refused
        # today (a day that has since passed the limit for new entries, say).
        existing = db.session.get(Entry, entry_id) if entry_id is not None else None
        if existing is not None:
            return _replayed(existing, patient)
        raise
    if entry_id is not None:
        # Already in this session (the same id sent twice in one request's work): no SQL.
        held = db.session.identity_map.get(identity_key(Entry, entry_id))
        if held is not None:
            return _replayed(held, patient)
    patient_id = patient.id
    entry = add_as_row(
        {
            "id": entry_id or uuid.uuid4(),
            "patient_id": patient_id,
            "recorded_at": recorded_at_or_now(recorded_at, now),
            # The zone the entry was made in: the phone's, else the patient's at that moment.
            "timezone": zone_name or patient.timezone,
            "version": 1,
            "entered_by_id": (by or patient).id,
            "created_at": now,
            "updated_at": now,
            **NEW_ENTRY_DEFAULTS,
            **({m.code: m.empty() for m in measures.MEASURES} | values),
        }
    )
    try:
        commit_keeping_loaded()
    except IntegrityError:
        # This id is stored already: a replay, perhaps by a concurrent request.
        db.session.rollback()
        existing = db.session.get(Entry, entry.id) if entry_id else None
        if existing is None:
            raise
        return _replayed(existing, patient)
    return Saved(entry, created=True)


PATIENT_ID_REQUIRED = (
    "Say whose diary this entry is for: send patient_id, one of the patients you log for."
)
NOT_YOUR_PATIENT = "No patient you log for has this id."


def diary_of(user: User, patient_id: int | None, *, action: str = "entry.create") -> User:
    """The patient whose diary an API write goes to: the signed-in patient (a `patient_id`, if
    sent, must be their own), or for a carer the patient `patient_id` names, which must be one
    of theirs (404 otherwise; 422 when it is missing). Through the gate, audited for carers."""
    if patient_id is None:
        if user.role == Role.CARER:
            raise ValidationError(errors={"patient_id": [PATIENT_ID_REQUIRED]})
        return user
    try:
        return access.diary_for(user, patient_id, action=action)
    except NotFound:
        raise NotFound(NOT_YOUR_PATIENT) from None


def _replayed(existing: Entry, patient: User) -> Saved:
    if existing.patient_id != patient.id:
        raise Conflict("This entry id is already in use. Send the entry with a new id.")
    return Saved(existing, created=False)


def get_entry(user: User, entry_id: uuid.UUID, *, patient_id: int | None = None) -> Entry:
    """The entry if `user` may see it (the gate decides), else NotFound; with `patient_id`, it
    must also be in that patient's diary (the diary the page is in). Deleted entries are
    returned too (with `deleted_at`), so they can be restored."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or (patient_id is not None and entry.patient_id != patient_id):
        raise NotFound("This entry does not exist.")
    access.patient_for(user, entry.patient_id, action="entry.read")
    return entry


def _own_entry(user: User, entry_id: uuid.UUID, patient_id: int | None = None) -> Entry:
    """An entry `user` may change: the patient's own, or one of the diary of a patient they
    are a carer of (the gate decides; a linked clinician reads entries but never changes them;
    anyone else: NotFound)."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or (patient_id is not None and entry.patient_id != patient_id):
        raise NotFound("This entry does not exist.")
    try:
        access.diary_for(user, entry.patient_id, action="entry.write")
    except NotFound:
        raise NotFound("This entry does not exist.") from None
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
    patient: User,
    entry_id: uuid.UUID,
    changes: dict[str, Any],
    *,
    version: int | None,
    now: datetime | None = None,
    patient_id: int | None = None,
    same_is_done: bool = False,
) -> Entry:
    """Change some fields of an entry (the patient's own, or, for a carer, one of the diary they
    log for), which the client read at `version`; the
    content before the edit is kept as a revision and the version goes up. If the entry has
    moved on from `version` (or moves on while this edit is stored), VersionConflict: the
    client shows the current entry instead of overwriting it. With `same_is_done` (the history's
    edit form, which sends the whole entry) an entry that holds exactly what the edit asks for
    already is no conflict (the same form sent twice, a double tap on Save: nothing to
    overwrite); the API keeps its strict answer. A deleted entry must be restored first."""
    now = now or utcnow()
    entry = _own_entry(patient, entry_id, patient_id)
    by, patient = patient, entry.patient  # a carer edits the diary of the entry's patient
    if version is None:
        raise VersionRequired()
    stale = version != entry.version
    if stale and not same_is_done:
        raise VersionConflict(entry)
    if entry.deleted_at is not None:
        if stale:
            raise VersionConflict(entry)
        raise Conflict("This entry is deleted. Restore it before editing it.")
    changes = dict(changes)
    if "day" in changes and changes["day"] in (entry.day, entry.day.isoformat()):
        changes.pop("day")  # an old entry keeps its day even when past the limit for new ones
    for m in measures.REQUIRED:
        if m.code in changes and changes[m.code] is None:
            changes[m.code] = "missing"  # pain now cannot be removed: refused with its message
    try:
        values = validate_content(changes, patient, partial=True, now=now, zone_name=entry.timezone)
        merged = {m.code: m.of(entry) for m in measures.MEASURES} | values
        check_not_above(merged)
    except ValidationError:
        if stale:
            raise VersionConflict(entry) from None
        raise
    changed = {k: v for k, v in values.items() if getattr(entry, k) != v}
    if stale and changed:
        raise VersionConflict(entry)
    if not changed:
        return entry
    _revise(entry, "edit", by, now)
    for field, value in changed.items():
        setattr(entry, field, value)
    _commit_or_conflict(entry.id)
    return entry


def delete_entry(
    patient: User,
    entry_id: uuid.UUID,
    *,
    now: datetime | None = None,
    patient_id: int | None = None,
) -> Entry:
    """Soft delete: the entry leaves lists and charts and can be restored for RESTORE_DAYS."""
    now = now or utcnow()
    entry = _own_entry(patient, entry_id, patient_id)
    if entry.deleted_at is None:
        _revise(entry, "delete", patient, now)
        entry.deleted_at = now
        _commit_or_conflict(entry.id)
    return entry


def restore_entry(
    patient: User,
    entry_id: uuid.UUID,
    *,
    now: datetime | None = None,
    patient_id: int | None = None,
) -> Entry:
    now = now or utcnow()
    entry = _own_entry(patient, entry_id, patient_id)
    if entry.deleted_at is None:
        raise Conflict("This entry is not deleted.")
    if entry.deleted_at < now - timedelta(days=RESTORE_DAYS):
        raise Conflict(f"Deleted entries can be restored for {RESTORE_DAYS} days only.")
    _revise(entry, "restore", patient, now)
    entry.deleted_at = None
    _commit_or_conflict(entry.id)
    return entry


def just_deleted(patient: User, raw_id: str) -> Entry | None:
    """The patient's entry of that id when it is deleted and can still be restored (the
    history's Undo after a delete on an older page), else None; a malformed id is None."""
    try:
        entry_id = uuid.UUID(raw_id)
    except ValueError:
        return None
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.patient_id != patient.id or entry.deleted_at is None:
        return None
    if entry.deleted_at < utcnow() - timedelta(days=RESTORE_DAYS):
        return None
    return entry


def restorable_until(entry: Entry) -> datetime | None:
    return entry.deleted_at + timedelta(days=RESTORE_DAYS) if entry.deleted_at else None


def recorded_late(entry: Entry, patient: User) -> bool:
    """Whether the entry was recorded late by the review's rule (analysis.ON_TIME_DEFINITION:
    after the end of the day after its day, in the zone it was made in, else the patient's),
    as the CSV's recorded_late and the review's late days count it."""
    return not analysis.recorded_on_time(
        entry.day, entry.recorded_at, entry.timezone or patient.timezone
    )


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
# Far beyond any diary (a million entries); keeps a hand-edited ?page= inside what SQL can take.
HISTORY_MAX_PAGE = 20_000


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
        .offset((min(max(page, 1), HISTORY_MAX_PAGE) - 1) * HISTORY_PAGE)
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
