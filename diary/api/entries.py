"""The patient's own diary entries and weekly check-ins."""

from __future__ import annotations

import uuid

import orjson
from flask import Response, jsonify, request
from flask_login import current_user

from diary.api import bp
from diary.api.openapi import documented
from diary.api.params import date_range, json_body, patient_id_param
from diary.api.schemas import (
    CheckinCreateSchema,
    CheckinDueSchema,
    CheckinOutSchema,
    EntryCreateSchema,
    EntryOutSchema,
    EntryPatchSchema,
    VersionConflictSchema,
)
from diary.api.schemas.entries import dump_entry
from diary.auth import role_required
from diary.models import Role
from diary.services import checkins, entries
from diary.services.entries import VersionConflict
from diary.services.owner_claim import OWNER_HEADER, check_owner_claim

# Built once: a marshmallow schema costs more to build than to use.
ENTRY_CREATE = EntryCreateSchema()
# The JSON of one entry as `jsonify` writes it (keys sorted, one newline after), by orjson.
_ONE_ENTRY = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE


@bp.errorhandler(VersionConflict)
def version_conflict(exc: VersionConflict):
    body = {
        "error": {"code": exc.code, "message": exc.message},
        "current": EntryOutSchema().dump(exc.current),
    }
    response = jsonify(body)
    response.set_etag(str(exc.current.version))
    return response, 409


def _with_etag(entry, status: int = 200):
    """The entry as JSON with its version as ETag (for If-Match on the next edit)."""
    body = orjson.dumps(dump_entry(entry), option=_ONE_ENTRY)
    response = Response(body, status, mimetype="application/json")
    response.set_etag(str(entry.version))
    return response, status


def _if_match_version() -> int | None:
    """The version named by If-Match (the ETag this API gives an entry), if any."""
    tags = [t for t in request.if_match.as_set(include_weak=True) if t.isdigit() and len(t) < 12]
    return int(tags[0]) if len(tags) == 1 else None


@bp.post("/entries")
@documented(
    "Create an entry; the same client-made id again answers 200 with the stored entry",
    request=EntryCreateSchema,
    response=EntryOutSchema,
    status=201,
    errors=(403, 404, 409, 422),
    headers={
        OWNER_HEADER: "Optional. The id of the user who saved the entry (the phone's outbox "
        "sends it; for a carer, the carer's id, the patient being named by `patient_id`). "
        "When it is not the signed-in user: 409 with code `owner_mismatch`, nothing "
        "stored. Other 409s (code `conflict`): the id is used by another patient's entry."
    },
)
@role_required(Role.PATIENT, Role.CARER)
def create_entry():
    user = current_user._get_current_object()  # once: the service reads it field by field
    check_owner_claim(user, request.headers.get(OWNER_HEADER))
    data = json_body(ENTRY_CREATE)
    patient = entries.diary_of(user, data.pop("patient_id", None))
    saved = entries.create_entry(patient, data, by=user)
    response, status = _with_etag(saved.entry, 201 if saved.created else 200)
    response.headers["Location"] = f"/api/v1/entries/{saved.entry.id}"
    return response, status


@bp.get("/entries")
@documented(
    "My entries (a carer: those of the patient `patient_id`), oldest first",
    response=EntryOutSchema,
    many=True,
    query={
        "from": "first day, YYYY-MM-DD",
        "to": "last day, YYYY-MM-DD",
        "patient_id": "a carer: the patient (one of theirs); a patient: their own id or nothing",
    },
    errors=(403, 404, 422),
)
@role_required(Role.PATIENT, Role.CARER)
def list_entries():
    start, end = date_range()
    patient_id = patient_id_param()
    patient = entries.diary_of(current_user, patient_id, action="entries.read")
    return jsonify(EntryOutSchema(many=True).dump(entries.list_entries(patient.id, start, end)))


@bp.get("/entries/<uuid:entry_id>")
@documented(
    "One of my entries (a carer: of a patient they log for)",
    response=EntryOutSchema,
    errors=(403, 404),
)
@role_required(Role.PATIENT, Role.CARER)
def get_entry(entry_id: uuid.UUID):
    return _with_etag(entries.get_entry(current_user, entry_id))


@bp.patch("/entries/<uuid:entry_id>")
@documented(
    "Edit one of my entries, from the version given (`version` or If-Match); the previous "
    "content is kept as a revision. A stale version answers 409 with the current entry.",
    request=EntryPatchSchema,
    response=EntryOutSchema,
    errors=(403, 404, 422, 428),
    error_bodies={409: VersionConflictSchema},
)
@role_required(Role.PATIENT, Role.CARER)
def update_entry(entry_id: uuid.UUID):
    changes = json_body(EntryPatchSchema())
    version = changes.pop("version", None)
    if version is None:
        version = _if_match_version()
    entry = entries.update_entry(current_user, entry_id, changes, version=version)
    return _with_etag(entry)


@bp.delete("/entries/<uuid:entry_id>")
@documented(
    "Delete one of my entries (soft: it can be restored)",
    status=204,
    errors=(403, 404),
    error_bodies={409: VersionConflictSchema},
)
@role_required(Role.PATIENT, Role.CARER)
def delete_entry(entry_id: uuid.UUID):
    entries.delete_entry(current_user, entry_id)
    return "", 204


@bp.post("/entries/<uuid:entry_id>/restore")
@documented(
    "Undo the deletion of one of my entries",
    response=EntryOutSchema,
    errors=(403, 404, 409, 422),
)
@role_required(Role.PATIENT, Role.CARER)
def restore_entry(entry_id: uuid.UUID):
    return jsonify(EntryOutSchema().dump(entries.restore_entry(current_user, entry_id)))


@bp.get("/checkins")
@documented("My weekly check-ins", response=CheckinOutSchema, many=True, errors=(403,))
@role_required(Role.PATIENT)
def list_checkins():
    return jsonify(CheckinOutSchema(many=True).dump(checkins.list_checkins(current_user)))


@bp.get("/checkins/due")
@documented("Whether a weekly check-in is due, and why", response=CheckinDueSchema, errors=(403,))
@role_required(Role.PATIENT)
def checkin_due():
    return jsonify(CheckinDueSchema().dump(checkins.checkin_due(current_user)))


@bp.post("/checkins")
@documented(
    "Record a weekly check-in (PROMIS Pain Interference 4a and PGIC)",
    request=CheckinCreateSchema,
    response=CheckinOutSchema,
    status=201,
    errors=(403, 422),
)
@role_required(Role.PATIENT)
def create_checkin():
    checkin, created = checkins.record_checkin(current_user, json_body(CheckinCreateSchema()))
    return jsonify(CheckinOutSchema().dump(checkin)), 201 if created else 200
