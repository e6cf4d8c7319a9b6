"""SQLite writers take turns through a lock file beside the database (diary/sqlite_writers.py):
a write waits for another's commit or rollback, reads never wait, a turn not had within the
busy timeout is gone on without (SQLite's own lock then decides), and the app's connections to
a SQLite file are made that way."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from diary.extensions import db
from diary.sqlite_writers import TakingTurns


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "turns.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (n INTEGER)")
    return path


def _connect(path) -> TakingTurns:
    return sqlite3.connect(path, factory=TakingTurns, check_same_thread=False)


def test_a_second_writer_waits_until_the_first_commits(database):
    first, second = _connect(database), _connect(database)
    first.take_turn("INSERT INTO t VALUES (1)")
    first.execute("INSERT INTO t VALUES (1)")
    done = threading.Event()

    def write():
        second.take_turn("UPDATE t SET n = 2")
        second.execute("UPDATE t SET n = 2")
        second.commit()
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert not done.wait(0.3)  # still waiting for the turn: nothing written by the second
    assert first.writing and not second.writing
    first.commit()
    thread.join(5)
    assert done.is_set()
    assert first.execute("SELECT n FROM t").fetchall() == [(2,)]


def test_a_rollback_or_close_gives_the_turn_back_and_reads_never_take_one(database):
    first, second = _connect(database), _connect(database)
    first.take_turn("SELECT n FROM t")
    assert not first.writing
    first.take_turn("  delete from t")
    assert first.writing
    first.rollback()
    assert not first.writing
    second.take_turn("INSERT INTO t VALUES (3)")
    assert second.writing
    second.close()
    first.take_turn("INSERT INTO t VALUES (4)")
    assert first.writing


def test_a_turn_not_had_within_the_timeout_is_gone_on_without(database):
    """The holder never lets go: the other writer goes on after its timeout, without the turn,
    and SQLite's lock refuses it (the app answers that with 503, tests/faults)."""
    holder, other = _connect(database), _connect(database)
    holder.take_turn("INSERT INTO t VALUES (1)")
    holder.execute("INSERT INTO t VALUES (1)")
    other.turn_timeout = 0.05
    other.execute("PRAGMA busy_timeout=0")
    other.take_turn("INSERT INTO t VALUES (2)")
    assert not other.writing
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("INSERT INTO t VALUES (2)")
    holder.commit()


def test_the_apps_connections_to_a_sqlite_file_take_turns(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        raw = db.engine.raw_connection()
        try:
            assert isinstance(raw.dbapi_connection, TakingTurns)
            assert raw.dbapi_connection.turn_timeout == app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
        finally:
            raw.close()
