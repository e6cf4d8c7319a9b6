"""A new entry's row, written by one INSERT built once rather than by the ORM's unit of work
(which cost more than all the rest of a saved entry's SQL).

The row is still written in the session's flush at commit, where the unit of work would write
it: the entry waits in the session as a pending object until then, and nothing is written
before the commit is asked for. The INSERT runs on the connection's own cursor
(diary/prepared.py), and the database's trigger raises the patient's data version in the same
statement (services/data_version.py). The entry is made from its whole row (every column, as
the INSERT writes it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from diary.extensions import db
from diary.models import Entry
from diary.prepared import Prepared

ENTRIES = Entry.__table__
INSERT_ENTRY = insert(ENTRIES)
_NEW_ENTRY = Entry.__mapper__.class_manager.new_instance
_AS_ROWS = "diary.entries.insert_as_rows"
# The row's keys are the instance's attributes: a model that renames one fails here, at import.
if {c.key for c in Entry.__mapper__.column_attrs} != set(ENTRIES.c.keys()):
    raise RuntimeError("entries: an attribute named unlike its column (_insert_as_rows)")
ENTRY_COLUMNS = frozenset(ENTRIES.c.keys())
# The INSERT of every column, run on the connection's own cursor.
INSERT_ROW = Prepared(INSERT_ENTRY, keys=tuple(ENTRIES.c.keys()))
# The columns a new entry leaves at their default, as the unit of work would store them.
NEW_ENTRY_DEFAULTS = {"deleted_at": None, "imported": False, "import_key": None}


@event.listens_for(Session, "before_flush")
def _insert_as_rows(session: Session, _context, _instances) -> None:
    """Write the entries `add_as_row` put in `session` with the prebuilt INSERT."""
    pending = session.info.pop(_AS_ROWS, None)
    if not pending:
        return
    connection = session.connection()
    for entry, row in pending:
        if entry in session.new:  # not rolled back or expunged since
            INSERT_ROW.execute(connection, row)
            # Pending to persistent, as the unit of work makes an object it has written (its
            # finalize_flush_changes): in the identity map, clean, and expunged again if this
            # transaction is rolled back. The flush then has nothing left to write for it.
            session._register_persistent({inspect(entry)})


def add_as_row(row: dict[str, Any]) -> Entry:
    """A new entry of these values (every column) in the session, to be written at the flush."""
    if row.keys() != ENTRY_COLUMNS:
        raise RuntimeError(f"entries: a new entry's columns differ: {set(row) ^ ENTRY_COLUMNS}")
    entry = _NEW_ENTRY()
    entry.__dict__.update(row)
    session = db.session()
    session.add(entry)
    session.info.setdefault(_AS_ROWS, []).append((entry, row))
    return entry
