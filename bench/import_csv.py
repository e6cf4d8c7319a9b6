"""How long a 50,000-row CSV import takes on SQLite (the target is under 30 s).

Builds the app in-process on a temporary SQLite database (migrated), writes a CSV with the
columns of the CSV export (every field filled, an entry_id per row, days from 2000 on), then:
- imports it with the service the CLI and the API use (`imports.import_entries_csv`),
- imports it again (every row skipped: the re-import check),
- as the baseline in the same run, exports the same 50,000 entries as CSV.
Prints the seconds of each, rows per second and the ratio import / export.

    .venv/bin/python bench/import_csv.py [--rows 50000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

# bench/http.py would stand in for the standard library's http package: keep bench/ off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bench import seed
from diary.extensions import db
from diary.models import Entry, Role, User
from diary.services import exports, imports


def make_csv(rows: int) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=exports.CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    start = date(2000, 1, 3)
    for i in range(rows):
        writer.writerow(
            {
                "entry_id": str(uuid.uuid4()),
                "day": (start + timedelta(days=i % 9000)).isoformat(),
                "recorded_at_utc": "",
                "pain": i % 11,
                "pain_worst": 10,
                "pain_least": i % 3,
                "pain_average": 5,
                "symptoms": ";".join(seed.SYMPTOMS[: 1 + i % 5]),
                "body_sites": "right_hand;right_wrist",
                "sleep_hours": 6.5,
                "sleep_quality": i % 10,
                "peg_enjoyment": i % 10,
                "peg_activity": (i + 3) % 10,
                "mood": 5,
                "medications": "gabapentin 300 mg;paracetamol",
                "side_effects": "nausea:2;vivid_dreams:1" if i % 30 < 3 else "",
                "note": "felt it after the walk, and again at night" if i % 9 == 0 else "",
                "version": 1,
            }
        )
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = seed.migrated_app(args.database_url or f"sqlite:///{folder}/bench.sqlite3")
        with app.app_context():
            patient = db.session.get(
                User, seed.user("import@bench.example", Role.PATIENT, "Import bench")
            )
            text = make_csv(args.rows)
            engine = db.engine.dialect.name
            print(f"CSV: {args.rows} rows, {len(text) / 1e6:.1f} MB, on {engine}")

            t0 = time.perf_counter()
            report = imports.import_entries_csv(patient, text, by=None)
            first = time.perf_counter() - t0
            stored = db.session.scalar(select(func.count()).select_from(Entry))
            assert report.stored == stored == args.rows, (
                report.stored,
                stored,
                report.rejected[:3],
            )

            t0 = time.perf_counter()
            again = imports.import_entries_csv(patient, text, by=None)
            second = time.perf_counter() - t0
            assert again.stored == 0 and again.skipped == args.rows

            t0 = time.perf_counter()
            exported = exports.entries_csv(patient)
            baseline = time.perf_counter() - t0
            assert exported.count("\r\n") == args.rows + 1

        print(
            f"import:            {first:6.2f} s  ({args.rows / first:,.0f} rows/s; target < 30 s)"
        )
        print(f"re-import (skips): {second:6.2f} s")
        print(f"export (baseline): {baseline:6.2f} s")
        print(f"import / export:   {first / baseline:6.1f}x")


if __name__ == "__main__":
    main()
