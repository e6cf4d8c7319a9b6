"""kill -9 of a gunicorn worker in the middle of a burst of entry POSTs: every entry a client
was told is stored (201, or 200 for a replay) is stored exactly once, and nothing else."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from datetime import UTC, datetime

import requests
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Entry
from tests.factories import PASSWORD

CLIENTS = 6
ENTRIES_EACH = 25


def _signed_in(base: str, email: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    response = session.post(
        base + "/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30
    )
    response.raise_for_status()
    return session, response.json()["csrf_token"]


def test_kill_9_of_a_worker_mid_burst_loses_and_duplicates_nothing(app, make, gunicorn):
    patients = [make.patient(timezone="UTC") for _ in range(CLIENTS)]
    today = datetime.now(UTC).date().isoformat()
    acknowledged: dict[str, tuple[int, int]] = {}  # id -> (status, pain)
    connection_errors = []
    done = threading.Event()
    progress = [0]
    lock = threading.Lock()

    def phone(patient) -> None:
        session, token = _signed_in(gunicorn.url, patient.email)
        for n in range(ENTRIES_EACH):
            entry_id, pain = str(uuid.uuid4()), n % 11
            body = {"id": entry_id, "pain": pain, "day": today}
            for _attempt in range(20):  # the outbox: the same id again until acknowledged
                try:
                    response = session.post(
                        gunicorn.url + "/api/v1/entries",
                        json=body,
                        headers={"X-CSRFToken": token},
                        timeout=30,
                    )
                except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                    # No answer, or one cut off mid-body by the kill: as the outbox does, send
                    # the same id again.
                    connection_errors.append(str(exc))
                    time.sleep(0.05)
                    continue
                if response.status_code in (200, 201):
                    assert response.json()["id"] == entry_id
                    with lock:
                        acknowledged[entry_id] = (response.status_code, pain)
                        progress[0] += 1
                    break
                assert response.status_code >= 500, response.text  # never a 4xx for a replay
                time.sleep(0.05)

    threads = [threading.Thread(target=phone, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    while progress[0] < CLIENTS * ENTRIES_EACH // 3:
        time.sleep(0.01)
    victim = gunicorn.workers()[0]
    os.kill(victim, signal.SIGKILL)
    for thread in threads:
        thread.join(timeout=180)
    done.set()

    assert len(acknowledged) == CLIENTS * ENTRIES_EACH  # every entry was acknowledged at last
    assert victim not in gunicorn.workers()  # the worker did die (and was replaced)
    with app.app_context():
        rows = db.session.execute(
            select(Entry.id, Entry.pain).where(Entry.patient_id.in_([p.id for p in patients]))
        ).all()
        total = db.session.scalar(select(func.count()).select_from(Entry))
    stored = {str(entry_id): pain for entry_id, pain in rows}
    assert len(rows) == total == len(acknowledged)  # each exactly once, nothing extra
    assert stored == {entry_id: pain for entry_id, (_s, pain) in acknowledged.items()}
    assert sum(1 for status, _ in acknowledged.values() if status == 201) >= total - len(
        connection_errors
    )
