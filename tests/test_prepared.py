"""Statements run on the connection's own cursor (diary/prepared.py) send and return what a Core
execution of the same statement does, and fail as it fails."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from diary import measures
from diary.extensions import db
from diary.models import Entry, User
from diary.services import entry_rows


def _row(patient_id: int, entry_id: uuid.UUID) -> dict:
    """A whole entry row with a value of every kind: UUID, date, aware datetimes in two zones
    (stored in UTC), lists and a dict (JSON), text with a quote and non-ASCII letters, a
    float, a boolean, and NULLs."""
    now = datetime(2026, 12, 7, 9, 30, 15, 250000, tzinfo=UTC)
    row = {m.code: m.empty() for m in measures.MEASURES}
    row.update(
        id=entry_id,
        patient_id=patient_id,
        day=date(2026, 12, 6),
        pain=7,
        sleep_hours=6.5,
        symptoms=["temperature", "swelling"],
        body_sites=["hand_left"],
        side_effects={"nausea": 2},
        note='Burning "like ice", señal ✓',
        recorded_at=datetime.fromisoformat("2026-12-07T10:30:15.250000+01:00"),
        timezone="Europe/Madrid",
        version=1,
        entered_by_id=patient_id,
        created_at=now,
        updated_at=now,
        deleted_at=None,
        imported=False,
        import_key=None,
    )
    return row


def test_an_insert_stores_what_cores_insert_stores(app, make):
    """The entry INSERT run on the cursor and the same INSERT run by Core, with the same values
    (other ids), store rows that read back equal, column by column."""
    patient = make.patient()
    fast_id, core_id = uuid.uuid4(), uuid.uuid4()
    with app.app_context():
        connection = db.session.connection()
        entry_rows.INSERT_ROW.execute(connection, _row(patient.id, fast_id))
        connection.execute(entry_rows.INSERT_ENTRY, _row(patient.id, core_id))
        db.session.commit()
        stored = {
            row.id: row._asdict()
            for row in db.session.execute(
                select(*Entry.__table__.c).where(Entry.id.in_([fast_id, core_id]))
            )
        }
    fast, core = stored[fast_id], stored[core_id]
    assert {k: v for k, v in fast.items() if k != "id"} == {
        k: v for k, v in core.items() if k != "id"
    }
    assert fast["recorded_at"] == datetime(2026, 12, 7, 9, 30, 15, 250000, tzinfo=UTC)
    assert fast["side_effects"] == {"nausea": 2} and fast["note"].endswith("señal ✓")


def test_a_select_returns_what_core_returns_and_listeners_see_it(app, make):
    """The signed-in user's SELECT: the same tuple as Core's row; the engine's
    before_cursor_execute listeners are called once with the SQL and parameters sent."""
    from diary.services import sessions

    patient = make.patient()
    seen = []

    def listener(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    with app.app_context():
        generation = db.session.get(User, patient.id).session_generation
        engine = db.engine
        event.listen(engine, "before_cursor_execute", listener)
        try:
            connection = db.session.connection()
            params = {"user_id": patient.id, "generation": generation}
            fast = sessions._USER_ROW.first(connection, params)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        core = connection.execute(sessions._SIGNED_IN_USER, params).first()
    assert core is not None and fast == tuple(core)
    assert len(seen) == 1 and seen[0][0].lstrip().upper().startswith("SELECT")


def test_a_duplicate_id_is_sqlalchemys_integrity_error(app, make):
    """The same id twice: SQLAlchemy's IntegrityError (what create_entry takes for a replay),
    with the DB-API error as its `orig`; the first row stays as it was."""
    patient = make.patient()
    entry_id = uuid.uuid4()
    with app.app_context():
        connection = db.session.connection()
        entry_rows.INSERT_ROW.execute(connection, _row(patient.id, entry_id))
        db.session.commit()
        again = _row(patient.id, entry_id) | {"pain": 1}
        with pytest.raises(IntegrityError) as raised:
            entry_rows.INSERT_ROW.execute(db.session.connection(), again)
        assert isinstance(raised.value.orig, db.engine.dialect.loaded_dbapi.IntegrityError)
        db.session.rollback()
        assert db.session.get(Entry, entry_id).pain == 7
