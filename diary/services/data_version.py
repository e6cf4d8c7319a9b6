"""Each patient's data version: a counter on the patient's row that goes up by one in the same
transaction as any change to their entries, infusions, check-ins or other treatments, or to
the setting the review reads (their time zone).

Computed reviews are cached under a key holding it (diary.services.review_cache), so a change
committed through one worker is on every worker's next review: the key has moved on, and the old
entry is never read again. The counter is bumped by session events, not by each service, so a
new way of changing a diary cannot forget it:

- every ORM flush that adds, changes or deletes one of those rows bumps its patient's version
  (one UPDATE per flush, before the rows are written);
- a bulk `session.execute(insert(Entry), rows)` bumps the patients named in the rows; a bulk
  UPDATE or DELETE on those tables bumps the patients whose rows its WHERE clause selects.

Writes through the engine or a raw connection (bench data, migrations) do not go through the
session and must call `bump` themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from diary.extensions import db
from diary.models import Entry, Infusion, Treatment, User, WeeklyCheckin

PATIENT_TABLES = {
    Entry.__table__.name: Entry.__table__,
    Infusion.__table__.name: Infusion.__table__,
    WeeklyCheckin.__table__.name: WeeklyCheckin.__table__,
    Treatment.__table__.name: Treatment.__table__,
}
# A patient's own settings that change what their review computes.
REVIEW_SETTINGS = ("timezone",)


def current(patient_id: int) -> int:
    """The patient's data version as committed now (0 for a patient never changed)."""
    return db.session.scalar(select(User.data_version).where(User.id == patient_id)) or 0


_USERS = User.__table__
# Built once (every saved entry runs one): plain SQL on the session's connection, so no ORM
# events and no autoflush.
_BUMP = (
    update(_USERS)
    .where(_USERS.c.id.in_(bindparam("ids", expanding=True)))
    .values(data_version=_USERS.c.data_version + 1)
)
# One patient (every saved entry): no expanding IN, whose SQL is rewritten on each execution.
_BUMP_ONE = (
    update(_USERS)
    .where(_USERS.c.id == bindparam("patient"))
    .values(data_version=_USERS.c.data_version + 1)
)


def bump(session: Session, patient_ids: Iterable[int]) -> None:
    """Raise the data version of these patients by one, in `session`'s transaction."""
    ids = sorted({pid for pid in patient_ids if pid is not None})
    if len(ids) == 1:
        session.connection().execute(_BUMP_ONE, {"patient": ids[0]})
    elif ids:
        session.connection().execute(_BUMP, {"ids": ids})


def _patient_of(obj: object) -> int | None:
    if isinstance(obj, Entry | Infusion | WeeklyCheckin | Treatment):
        return obj.patient_id
    if isinstance(obj, User) and obj.id is not None:
        state = inspect(obj)
        changed = any(state.attrs[name].history.has_changes() for name in REVIEW_SETTINGS)
        return obj.id if changed else None
    return None  # an EntryRevision is written with its entry, which bumps the version


@event.listens_for(Session, "before_flush")
def _bump_on_flush(session: Session, _context, _instances) -> None:
    dirty = (o for o in session.dirty if session.is_modified(o))
    changed = [*session.new, *session.deleted, *dirty]
    ids = {pid for obj in changed if (pid := _patient_of(obj)) is not None}
    if ids:
        bump(session, ids)


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk(state: ORMExecuteState) -> None:
    statement = state.statement
    table = getattr(statement, "table", None)
    if table is None or getattr(table, "name", None) not in PATIENT_TABLES:
        return
    if state.is_insert:
        params = state.parameters
        rows = params if isinstance(params, list | tuple) else [params or {}]
        ids = {row.get("patient_id") for row in rows if isinstance(row, dict)}
        values = getattr(statement, "_values", None) or {}
        for column, value in values.items():
            if getattr(column, "key", column) == "patient_id":
                ids.add(getattr(value, "value", value))
        bump(state.session, ids)
    elif state.is_update or state.is_delete:
        where = statement.whereclause
        matched = select(table.c.patient_id).distinct()
        if where is not None:
            matched = matched.where(where)
        bump(state.session, state.session.scalars(matched))
