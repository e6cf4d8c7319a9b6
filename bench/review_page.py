"""How long the clinician's review page takes on the server: 5 years of daily entries and 40
infusions against 30 days of entries, both with ?range=all.

Builds the app in-process on a temporary SQLite database (migrated), creates the two patients
with bulk inserts, warms up, then times N requests of each page through the test client and
prints the median server time in ms, the ratio, and the SQL statements per request: once
"computed" (the cache emptied before each request, as after a change to the diary) and once
"cached" (the same data version again).

    .venv/bin/python bench/review_page.py [--requests 15] [--database-url URL]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

# bench/http.py would stand in for the standard library's http package: keep bench/ off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import event, insert

from config import TestingConfig
from diary import create_app
from diary.extensions import db
from diary.models import CareLink, Entry, Infusion, Role, User, WeeklyCheckin
from diary.services import review_cache
from diary.services.accounts import hash_password

PASSWORD = "bench password long enough"
SYMPTOMS = ["burning", "allodynia", "swelling", "color_change", "stiffness"]


def _patient(app, clinician_id: int, name: str, days: int, infusions: int) -> int:
    """A patient with one entry a day for `days` days and `infusions` evenly spaced sessions."""
    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    with app.app_context():
        patient = User(
            email=f"{name}@bench.example",
            password_hash=hash_password(PASSWORD),
            role=Role.PATIENT,
            display_name=name,
            timezone="UTC",
        )
        db.session.add(patient)
        db.session.flush()
        db.session.add(CareLink(clinician_id=clinician_id, patient_id=patient.id))
        rows = []
        for i in range(days):
            day = today - timedelta(days=i)
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "patient_id": patient.id,
                    "day": day,
                    "recorded_at": now,
                    "pain": 2 + (i * 7) % 7,
                    "pain_worst": 9,
                    "symptoms": SYMPTOMS[: 1 + i % 5],
                    "body_sites": ["right_hand", "right_wrist"][: 1 + i % 2],
                    "sleep_hours": 5 + i % 4,
                    "sleep_quality": i % 10,
                    "peg_enjoyment": i % 10,
                    "peg_activity": (i + 3) % 10,
                    "side_effects": {"vivid_dreams": 1 + i % 3} if i % 30 < 3 else {},
                    "note": "felt it after the walk" if i % 9 == 0 else None,
                    "medications": [],
                }
            )
        db.session.execute(insert(Entry), rows)
        gap = max(days // max(infusions, 1), 1)
        db.session.execute(
            insert(Infusion),
            [
                {
                    "patient_id": patient.id,
                    "clinician_id": clinician_id,
                    "started_at": now - timedelta(days=days - 10 - k * gap),
                    "duration_minutes": 240,
                    "dose_mg": 98.0,
                    "adjuncts": ["midazolam"],
                    "exam_signs": ["edema"] if k % 2 else None,
                }
                for k in range(infusions)
            ],
        )
        db.session.execute(
            insert(WeeklyCheckin),
            [
                {
                    "id": uuid.uuid4(),
                    "patient_id": patient.id,
                    "day": today - timedelta(days=w * 7),
                    "promis_pi": {"pi_day_to_day": 3, "pi_work_home": 2, "pi_social": 3},
                    "pgic": 3,
                }
                for w in range(days // 7)
            ],
        )
        db.session.commit()
        return patient.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        config = TestingConfig()
        config.SQLALCHEMY_DATABASE_URI = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app(config)
        with app.app_context():
            upgrade()
            clinician = User(
                email="clinician@bench.example",
                password_hash=hash_password(PASSWORD),
                role=Role.CLINICIAN,
                display_name="Bench clinician",
            )
            db.session.add(clinician)
            db.session.commit()
            clinician_id = clinician.id
        started = time.perf_counter()
        big = _patient(app, clinician_id, "five-years", days=5 * 365 + 1, infusions=40)
        small = _patient(app, clinician_id, "thirty-days", days=30, infusions=1)
        print(f"data created in {time.perf_counter() - started:.1f} s")

        client = app.test_client()
        response = client.post(
            "/api/v1/auth/login",
            json={"email": "clinician@bench.example", "password": PASSWORD},
        )
        assert response.status_code == 200, response.get_json()

        statements: list[str] = []
        with app.app_context():
            engine = db.engine

        def count(*_args) -> None:
            statements.append("x")

        results = {}
        for label, patient_id in (("5 years, 40 infusions", big), ("30 days, 1 infusion", small)):
            url = f"/clinic/patients/{patient_id}?range=all"
            for _ in range(3):  # warm-up
                assert client.get(url).status_code == 200
            for mode in ("computed", "cached"):
                times = []
                event.listen(engine, "before_cursor_execute", count)
                statements.clear()
                for _ in range(args.requests):
                    if mode == "computed":  # as after a change to the diary: a new key
                        with app.app_context():
                            review_cache.cache.clear()
                    t0 = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200
                event.remove(engine, "before_cursor_execute", count)
                results[(label, mode)] = statistics.median(times)
                print(
                    f"{label:>24}, {mode}: median {results[(label, mode)]:7.1f} ms over "
                    f"{args.requests} requests, {len(statements) // args.requests} SQL "
                    f"statements each, {len(response.data) / 1024:.0f} KiB of HTML"
                )
            sizes = {
                name: len(text)
                for name, text in re.findall(
                    r'<script type="application/json" id="figure-(\w+)">(.*?)</script>',
                    response.text,
                )
            }
            print(
                " " * 26
                + "figure JSON (KiB): "
                + ", ".join(f"{name} {size / 1024:.0f}" for name, size in sizes.items())
            )
        for mode in ("computed", "cached"):
            ratio = (
                results[("5 years, 40 infusions", mode)] / results[("30 days, 1 infusion", mode)]
            )
            print(f"{'ratio ' + mode:>24}: {ratio:.1f}x")


if __name__ == "__main__":
    main()
