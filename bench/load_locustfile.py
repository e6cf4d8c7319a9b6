"""The locust users of bench/load.py (run by it; not on its own).

LOAD_MODE=entries: each user signs in as one of the patients in LOAD_PATIENTS (comma-separated
emails, password LOAD_PASSWORD) and creates entries; a share LOAD_REPLAY of the requests resend
an entry this user was already answered for (same id, as the phone's outbox does after a lost
answer): a new id must answer 201, a resent one 200 with the stored entry. Every acknowledged
id is written to LOAD_OUT_DIR/acked-<pid>.json when the run stops.
LOAD_MODE=baseline: GET /healthz (one SELECT 1), the same users: the run's baseline.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task

MODE = os.environ.get("LOAD_MODE", "entries")
PATIENTS = [e for e in os.environ.get("LOAD_PATIENTS", "").split(",") if e]
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
REPLAY = float(os.environ.get("LOAD_REPLAY", "0.3"))
OUT_DIR = Path(os.environ.get("LOAD_OUT_DIR", "."))
USERS = int(os.environ.get("LOAD_USERS", "1"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "20"))
_signed_in = [0]
_deadline: list[float] = []
_next_patient = itertools.count()
ACKED: dict[str, dict] = {}  # id -> {"status": first status, "pain": int, "replays": n}
_random = random.Random(int(os.environ.get("LOAD_SEED", "1")))


class Patient(HttpUser):
    wait_time = between(0, 0.05)

    def on_start(self) -> None:
        if MODE != "entries":
            return
        self.email = PATIENTS[next(_next_patient) % len(PATIENTS)]
        response = self.client.post(
            "/api/v1/auth/login", json={"email": self.email, "password": PASSWORD}, name="login"
        )
        response.raise_for_status()
        self.token = response.json()["csrf_token"]
        self.mine: list[dict] = []
        # Everyone signs in first (argon2 is slow on purpose); the measured load starts together.
        _signed_in[0] += 1
        while _signed_in[0] < USERS:
            gevent.sleep(0.05)
        if not _deadline:
            _deadline.append(time.monotonic() + SECONDS)

    @task
    def work(self) -> None:
        if MODE == "baseline":
            self.client.get("/healthz", name="GET /healthz")
            return
        if time.monotonic() > _deadline[0]:
            if len(_deadline) == 1:
                _deadline.append(0)
                gevent.spawn(self.environment.runner.quit)  # users finish what they send
            gevent.sleep(1)
            return
        replay = bool(self.mine) and _random.random() < REPLAY
        body = (
            _random.choice(self.mine)
            if replay
            else {
                "id": str(uuid.uuid4()),
                "pain": _random.randint(0, 10),
                "day": datetime.now(UTC).date().isoformat(),
            }
        )
        expected = 200 if replay else 201
        with self.client.post(
            "/api/v1/entries",
            json=body,
            headers={"X-CSRFToken": self.token},
            name="POST /entries",
            catch_response=True,
        ) as response:
            if response.status_code != expected:
                response.failure(f"{response.status_code} (expected {expected}) for {body['id']}")
                return
            stored = response.json()
            if stored["id"] != body["id"] or stored["pain"] != body["pain"]:
                response.failure(f"answered with another entry for {body['id']}")
                return
            response.success()
            if replay:
                ACKED[body["id"]]["replays"] += 1
            else:
                ACKED[body["id"]] = {"status": 201, "pain": body["pain"], "replays": 0}
                self.mine.append(body)


@events.quitting.add_listener
def _write_acked(environment, **_kwargs) -> None:
    if MODE == "entries":
        (OUT_DIR / f"acked-{os.getpid()}.json").write_text(json.dumps(ACKED))
