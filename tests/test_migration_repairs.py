"""Migration 0002 repairs what the old code let in: lone surrogates stored in JSON (they made a
patient's export and pages fail for good) and revisions sharing a version number."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

from flask_migrate import upgrade
from sqlalchemy import text

from config import TestingConfig
from diary import create_app
from diary.extensions import db
from diary.models import Entry, EntryRevision, User
from diary.services import exports


def test_upgrade_repairs_lone_surrogates_and_duplicate_revision_numbers(tmp_path):
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app(config)
    entry_id = uuid.uuid4()
    now = datetime(2026, 11, 1, 9, tzinfo=UTC).isoformat()
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (id, email, password_hash, role, display_name, timezone, "
                "active, created_at) VALUES (1, 'p@x.test', 'x', 'patient', 'P', 'UTC', 1, :t)"
            ), {"t": now})  # fmt: skip
            conn.execute(text(
                "INSERT INTO entries (id, patient_id, day, recorded_at, pain, symptoms, "
                "body_sites, medications, side_effects, version, created_at, updated_at) VALUES "
                "(:id, 1, '2026-11-01', :t, 5, '[]', '[]', :meds, '{}', 3, :t, :t)"
            ), {"id": entry_id.hex, "t": now, "meds": '["aspirin", "bad\\udfff"]'})  # fmt: skip
            for _ in range(2):  # two concurrent edits of version 1, as the old code stored them
                conn.execute(text(
                    "INSERT INTO entry_revisions (entry_id, version, content, action, "
                    "changed_by_id, changed_at) VALUES (:e, 1, '{}', 'edit', 1, :t)"
                ), {"e": entry_id.hex, "t": now})  # fmt: skip
        upgrade()
        entry = db.session.get(Entry, entry_id)
        assert entry.medications == ["aspirin", "bad\ufffd"]
        versions = sorted(r.version for r in db.session.query(EntryRevision))
        assert versions == [1, 2] and entry.version == 3
        csv_text = exports.entries_csv(db.session.get(User, 1))
        csv_text.encode("utf-8")  # the export is readable again
        row = next(csv.DictReader(io.StringIO(csv_text)))
        assert row["medications"] == "aspirin;bad\ufffd"
        db.session.remove()
        db.engine.dispose()
