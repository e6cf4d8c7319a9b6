"""Fixtures: one app and database per test session, emptied after every test.

The database is TEST_DATABASE_URL when set (e.g. PostgreSQL), else SQLite in a temporary folder.
Its schema is built by the Alembic migrations, so every run also exercises `db upgrade`.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, text

from config import TestingConfig
from diary import create_app
from diary.extensions import db, limiter
from tests import factories


def _reset_schema() -> None:
    """Drop everything, so the migrations start from an empty database."""
    engine = db.engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            db.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return url or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url):
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    app = create_app(config)
    with app.app_context():
        _reset_schema()
        upgrade()
        db.session.remove()
    return app


@pytest.fixture(autouse=True)
def _empty_database(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
    limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An app context for tests that call services or read rows directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def make(app):
    """The factories bound to the test app: make.patient(), make.clinician(), ..."""
    return factories.Factories(app)


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter:` counts the SQL statements run inside the block."""

    @contextmanager
    def counting():
        counter = QueryCounter()

        def before(conn, cursor, statement, *args):
            counter.statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting
