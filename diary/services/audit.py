"""Writing the audit trail. Every read or change of a patient's data by someone other than that
patient, and every sign-in attempt, leaves a row here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import has_request_context, request
from sqlalchemy import insert

from diary.extensions import db
from diary.models import AuditEvent, User, utcnow


def _origin() -> dict[str, str | None]:
    if not has_request_context():
        return {"ip": "cli", "user_agent": None}
    agent = request.user_agent.string or None
    return {"ip": request.remote_addr, "user_agent": agent[:255] if agent else None}


def record(
    action: str,
    *,
    actor: User | None,
    patient_id: int | None = None,
    object_type: str | None = None,
    object_id: object | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one event to the session; it is committed with the work it describes."""
    db.session.add(
        AuditEvent(
            at=utcnow(),
            actor_id=actor.id if actor else None,
            action=action,
            patient_id=patient_id,
            object_type=object_type,
            object_id=str(object_id) if object_id is not None else None,
            detail=detail,
            **_origin(),
        )
    )


def record_reads(action: str, *, actor: User, patient_ids: Iterable[int]) -> None:
    """One event per patient whose data a list page showed, in a single INSERT."""
    origin = _origin()
    now = utcnow()
    rows = [
        {"at": now, "actor_id": actor.id, "action": action, "patient_id": pid, **origin}
        for pid in patient_ids
        if pid != actor.id
    ]
    if rows:
        db.session.execute(insert(AuditEvent), rows)
