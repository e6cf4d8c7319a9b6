"""`db upgrade` on an empty database gives exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from diary.extensions import db


def test_migrated_schema_matches_the_models(app):
    # The session fixture built this database from empty with `flask db upgrade`.
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
        tables = set(db.inspect(conn).get_table_names())
    assert {"users", "entries", "entry_revisions", "infusions", "audit_events"} <= tables
