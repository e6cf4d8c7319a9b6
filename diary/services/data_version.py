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

A second counter, the history version, goes up with it whenever a change may reach the past:
any change that is not to entries of the last HISTORY_AFTER_DAYS days (UTC) - an older entry
(its day before or after the change), an infusion, a check-in, a treatment, the time zone, and
every bulk UPDATE or DELETE. The review keeps what it computed from the days before a boundary
at least that far back under this counter (services/review/history.py): a new or edited entry
of a recent day, the common change, leaves it valid. The days only move forward, so a boundary
chosen on an earlier day is still at least HISTORY_AFTER_DAYS back on every later day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from diary.extensions import db
from diary.models import Entry, Infusion, Treatment, User, WeeklyCheckin, utcnow

PATIENT_TABLES = {
    Entry.__table__.name: Entry.__table__,
    Infusion.__table__.name: Infusion.__table__,
    WeeklyCheckin.__table__.name: WeeklyCheckin.__table__,
    Treatment.__table__.name: Treatment.__table__,
}
# A patient's own settings that change what their review computes.
REVIEW_SETTINGS = ("timezone",)
# Entries of days this recent (counted back from today in UTC) leave the history version alone.
HISTORY_AFTER_DAYS = 35


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
# The same with the history version (module docstring).
_BUMP_HISTORY = _BUMP.values(history_version=_USERS.c.history_version + 1)
_BUMP_ONE_HISTORY = _BUMP_ONE.values(history_version=_USERS.c.history_version + 1)


def history_cutoff(now: datetime | None = None) -> date:
    """Entries of days before this one raise the history version when they change."""
    return (now or utcnow()).date() - timedelta(days=HISTORY_AFTER_DAYS)


def bump(
    session: Session, patient_ids: Iterable[int], history_ids: Iterable[int] | None = None
) -> None:
    """Raise the data version of these patients by one, in `session`'s transaction, and the
    history version of those in `history_ids` (by default all of them: a caller that cannot
    tell which days its change reached says it may have reached the past)."""
    ids = {pid for pid in patient_ids if pid is not None}
    past = ids if history_ids is None else {pid for pid in history_ids if pid in ids}
    for group, one, many in (
        (ids - past, _BUMP_ONE, _BUMP),
        (past, _BUMP_ONE_HISTORY, _BUMP_HISTORY),
    ):
        if len(group) == 1:
            session.connection().execute(one, {"patient": next(iter(group))})
        elif group:
            session.connection().execute(many, {"ids": sorted(group)})


def _reaches_past(day: object, cutoff: date) -> bool:
    """A day before the cutoff, or anything not a day (which may be any day)."""
    if isinstance(day, datetime):
        day = day.date()
    return not isinstance(day, date) or day < cutoff


def _change_of(obj: object, cutoff: date) -> tuple[int | None, bool]:
    """The patient whose data `obj`'s change touches, and whether it may reach the past."""
    if isinstance(obj, Entry):
        # Its day now and, when the change moved it, the day it had. A new entry (pending: no
        # identity yet) never had another: its history holds no earlier day, so it is not read
        # (which would make an attribute view of each of the entry's columns).
        state = inspect(obj)
        if state.key is None:
            return obj.patient_id, _reaches_past(obj.day, cutoff)
        days = [obj.day, *state.attrs.day.history.deleted]
        return obj.patient_id, any(_reaches_past(d, cutoff) for d in days)
    if isinstance(obj, Infusion | WeeklyCheckin | Treatment):
        return obj.patient_id, True
    if isinstance(obj, User) and obj.id is not None:
        state = inspect(obj)
        changed = any(state.attrs[name].history.has_changes() for name in REVIEW_SETTINGS)
        return (obj.id if changed else None), True
    return None, False  # an EntryRevision is written with its entry, which bumps the version


@event.listens_for(Session, "before_flush")
def _bump_on_flush(session: Session, _context, _instances) -> None:
    dirty = (o for o in session.dirty if session.is_modified(o))
    changed = [*session.new, *session.deleted, *dirty]
    if not changed:
        return
    cutoff = history_cutoff()
    ids: set[int] = set()
    past: set[int] = set()
    for obj in changed:
        pid, reaches_past = _change_of(obj, cutoff)
        if pid is not None:
            ids.add(pid)
            if reaches_past:
                past.add(pid)
    if ids:
        bump(session, ids, past)


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
        past = ids
        entries = table.name == Entry.__table__.name
        if entries and not values and all(isinstance(r, dict) for r in rows):
            cutoff = history_cutoff()
            past = {r.get("patient_id") for r in rows if _reaches_past(r.get("day"), cutoff)}
        bump(state.session, ids, past)
    elif state.is_update or state.is_delete:
        where = statement.whereclause
        matched = select(table.c.patient_id).distinct()
        if where is not None:
            matched = matched.where(where)
        bump(state.session, state.session.scalars(matched))
