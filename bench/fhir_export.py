"""Size and time of the FHIR export of a 5-year diary (one entry a day, every field filled,
40 infusions), streamed through the test client.

Prints the Bundle's size in MB and resources, the time to the first bytes and to the last,
and as the baseline in the same run the CSV export of the same diary.

    .venv/bin/python bench/fhir_export.py [--days 1826] [--requests 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# bench/http.py would stand in for the standard library's http package: keep bench/ off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from bench import seed
from diary.extensions import db
from diary.models import Entry, Infusion, Role

# What the export has to write besides seed.py's entry: every field filled, the pain varying.
EVERY_FIELD = {"pain_least": 2, "pain_average": 5, "mood": 6, "medications": ["gabapentin 300 mg"]}


def _diary(app, days: int, infusions: int) -> str:
    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    with app.app_context():
        patient_id = seed.user("fhir@bench.example", Role.PATIENT, "FHIR bench")
        rows = [
            seed.entry_row(patient_id, today - timedelta(days=i + 1), i, now, i % 11) | EVERY_FIELD
            for i in range(days)
        ]
        db.session.execute(insert(Entry), rows)
        gap = max(days // infusions, 1)
        db.session.execute(
            insert(Infusion),
            [
                {
                    "patient_id": patient_id,
                    "started_at": now - timedelta(days=i * gap + 1),
                    "duration_minutes": 240,
                    "dose_mg": 70.0,
                    "adjuncts": ["midazolam"],
                }
                for i in range(infusions)
            ],
        )
        db.session.commit()
        return "fhir@bench.example"


def _timed(client, url: str) -> tuple[float, float, int]:
    """(seconds to the first bytes, seconds to the last, bytes)."""
    start = time.perf_counter()
    response = client.get(url, buffered=False)
    chunks = iter(response.response)
    first = next(chunks)
    first_at = time.perf_counter() - start
    size = len(first) + sum(len(c) for c in chunks)
    total = time.perf_counter() - start
    response.close()
    return first_at, total, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1826)
    parser.add_argument("--infusions", type=int, default=40)
    parser.add_argument("--requests", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = seed.migrated_app(f"sqlite:///{folder}/bench.sqlite3")
        email = _diary(app, args.days, args.infusions)
        client = app.test_client()
        seed.sign_in(client, email)
        body = client.get("/api/v1/me/fhir").get_data()
        resources = len(json.loads(body)["entry"])
        results = {}
        for url in ("/api/v1/me/fhir", "/api/v1/me/export.csv"):
            _timed(client, url)  # warm up
            runs = [_timed(client, url) for _ in range(args.requests)]
            results[url] = (
                statistics.median(r[0] for r in runs),
                statistics.median(r[1] for r in runs),
                runs[0][2],
            )
    fhir_first, fhir_total, fhir_size = results["/api/v1/me/fhir"]
    csv_first, csv_total, csv_size = results["/api/v1/me/export.csv"]
    print(f"diary: {args.days} days, {args.infusions} infusions; median of {args.requests}")
    print(
        f"FHIR Bundle: {fhir_size / 1e6:5.2f} MB, {resources} resources, "
        f"first bytes {fhir_first * 1000:6.1f} ms, all {fhir_total * 1000:7.1f} ms"
    )
    print(
        f"CSV (base):  {csv_size / 1e6:5.2f} MB, first bytes {csv_first * 1000:6.1f} ms, "
        f"all {csv_total * 1000:7.1f} ms"
    )
    print(f"FHIR / CSV:  size {fhir_size / csv_size:.1f}x, time {fhir_total / csv_total:.1f}x")


if __name__ == "__main__":
    main()
