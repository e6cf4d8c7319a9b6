"""`flask backup` while entries are being written, then `flask restore`: every entry committed
before the backup began comes back, and the copy is one consistent snapshot."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, select

from diary.extensions import db
from diary.models import Entry, EntryRevision, User
from diary.services import entries


def _stored_ids(app) -> set[str]:
    with app.app_context():
        return {str(i) for i in db.session.scalars(select(Entry.id))}


def test_backup_under_concurrent_writes_then_restore_finds_every_entry(app, runner, make, tmp_path):
    patient = make.patient(timezone="UTC")
    committed: list[str] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with app.app_context():
                user = db.session.get(User, patient.id)
                while not stop.is_set():
                    entry_id = uuid.uuid4()
                    entries.create_entry(
                        user, {"id": entry_id, "pain": 4, "day": datetime.now(UTC).date()}
                    )
                    committed.append(str(entry_id))
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    while len(committed) < 20:
        time.sleep(0.01)
    before = set(committed)
    target = tmp_path / "diary-backup.dump"
    result = runner.invoke(args=["backup", str(target)])
    during_and_after = len(committed)
    time.sleep(0.2)
    stop.set()
    thread.join(timeout=60)
    assert not errors, errors
    assert result.exit_code == 0, result.output
    assert "Backup written to" in result.output and target.stat().st_size > 0
    assert len(committed) > len(before) and during_and_after >= len(before)

    # Disaster: the entries are gone.
    with app.app_context():
        db.session.execute(delete(EntryRevision))
        db.session.execute(delete(Entry))
        db.session.commit()
    assert _stored_ids(app) == set()

    refused = runner.invoke(args=["restore", str(target)], input="n\n")
    assert refused.exit_code != 0 and _stored_ids(app) == set()
    restored = runner.invoke(args=["restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    back = _stored_ids(app)
    assert before <= back  # every entry committed before the backup began
    assert back <= set(committed)  # and nothing that was never written
    with app.app_context():
        assert db.session.get(User, patient.id).email == patient.email


def test_backup_refuses_to_overwrite_and_restore_refuses_a_non_backup(runner, tmp_path):
    existing = tmp_path / "there.dump"
    existing.write_text("keep me")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "exists already" in result.output
    assert existing.read_text() == "keep me"
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    result = runner.invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0
