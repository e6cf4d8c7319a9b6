"""The database engine's settings: SQLite's journal and sync mode, the pool's checks."""

from __future__ import annotations

from sqlalchemy import text

from config import TestingConfig
from diary import create_app
from diary.extensions import db


def _app(url: str):
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    return create_app(config)


def test_sqlite_file_uses_wal_with_normal_sync_and_foreign_keys(tmp_path):
    """WAL with synchronous=NORMAL: a commit does not wait for the disk (docs/operations.md,
    "SQLite", says what a power cut can cost); foreign keys are enforced."""
    app = _app(f"sqlite:///{tmp_path / 'diary.sqlite3'}")
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.engine.pool._pre_ping is False  # a file cannot drop a connection
        db.session.remove()
        db.engine.dispose()


def test_postgresql_connections_are_checked_before_use():
    """A restarted PostgreSQL must not fail the first request of each worker (no connection
    is made here: the engine is only configured)."""
    app = _app("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with app.app_context():
        assert db.engine.pool._pre_ping is True
