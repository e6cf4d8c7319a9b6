"""Every output of the clinician's review for a few seeded patients, written to files, so that
two commits can be compared byte for byte (a change meant to make the review faster must not
change one number, one word or one SVG coordinate).

    .venv/bin/python bench/review_outputs.py --out /tmp/after
    .venv/bin/python bench/review_outputs.py --root /tmp/before-worktree --out /tmp/before
    diff -r /tmp/before /tmp/after     # prints nothing when the outputs are the same

--root: the code to run (another commit's worktree, `git worktree add /tmp/x COMMIT` with a link
to this .venv); this checkout by default. Run both within the same UTC day: "today" is real.

Patients (SQLite, migrated): the demo patients (diary.demo), and bench/seed.py's 5 years with
40 infusions, 30 days with 1 and 120 days with 3 (pain varying). For each, at each step: the
review page for the ranges all, 30, 90 and 365, their charts documents, GET /summary, GET
/responses and the pre-visit report. Steps: first view; repeat; after a new entry today; after
a check-in of yesterday, an infusion session two days ago and a treatment three days ago (the
kept history in use); after an entry 400 days back (a history change); cold (every cache
emptied). Nonces, CSRF tokens and creation times are masked.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import tempfile
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# bench/http.py would stand in for the standard library's http package: keep bench/ off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
RANGES = ("all", "30", "90", "365")


def _masked(text: str) -> str:
    """The text without what changes from one request or run to the next."""
    text = re.sub(r'nonce="[^"]*"', 'nonce=""', text)
    text = re.sub(r'(csrf[-_a-z]*"?\s*(content|value)?=?\s*")[^"]*"', r'\1X"', text, flags=re.I)
    text = re.sub(r'name="csrf_token" value="[^"]*"', "", text)
    return re.sub(r"T\d\d:\d\d:\d\d\.\d+", "T00:00:00.0", text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(BENCH.parent))
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(args.root).resolve()))
    spec = importlib.util.spec_from_file_location("bench_seed", BENCH / "seed.py")
    seed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seed)
    from diary import demo
    from diary.extensions import db
    from diary.models import CareLink, Entry, Infusion, Role, Treatment, User, WeeklyCheckin
    from diary.services import review_cache

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = seed.migrated_app(f"sqlite:///{tempfile.mkdtemp()}/outputs.sqlite3")
    today = datetime.now(UTC).date()
    with app.app_context():
        clinician = seed.user("clinician@bench.example", Role.CLINICIAN, "Bench clinician")
        patients = {
            "five": seed.patient(clinician, "five-years", days=5 * 365 + 1, infusions=40),
            "thirty": seed.patient(clinician, "thirty-days", days=30, infusions=1),
            "ninety": seed.patient(clinician, "ninety-days", days=120, infusions=3),
        }
        _demo_clinician, demo_patients, _ = demo.create_demo(today=today)
        for patient in demo_patients:
            db.session.add(CareLink(clinician_id=clinician, patient_id=patient.id))
            patients[f"demo{patient.id}"] = patient.id
        db.session.commit()
    client = app.test_client()
    seed.sign_in(client, "clinician@bench.example")

    def write(name: str, text: str) -> None:
        (out / name).write_text(_masked(text))

    def dump(name: str, patient_id: int, step: str) -> None:
        for range_key in RANGES:
            page = client.get(f"/clinic/patients/{patient_id}?range={range_key}").text
            write(f"{name}-{step}-page-{range_key}.html", page)
            src = re.search(r'data-charts-src="([^"]+)"', page)
            if src:
                charts = client.get(src.group(1).replace("&amp;", "&")).text
                write(f"{name}-{step}-charts-{range_key}.json", charts)
        for part in ("summary", "responses"):
            answer = client.get(f"/api/v1/patients/{patient_id}/{part}").text
            write(f"{name}-{step}-{part}.json", answer)
        report = client.get(f"/clinic/patients/{patient_id}/report").text
        write(f"{name}-{step}-report.html", report)

    def add(row) -> None:
        with app.app_context():
            db.session.add(row)
            db.session.commit()

    def entry(patient_id: int, days_ago: int, **values) -> Entry:
        return Entry(
            id=uuid.uuid4(),
            patient_id=patient_id,
            day=today - timedelta(days=days_ago),
            recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
            timezone="UTC",
            side_effects={},
            medications=[],
            **values,
        )

    for name, patient_id in patients.items():
        dump(name, patient_id, "first")
        dump(name, patient_id, "again")
        with app.app_context():
            zone = db.session.get(User, patient_id).timezone
        new = entry(patient_id, 0, pain=7, symptoms=["burning", "swelling"])
        new.timezone, new.body_sites, new.side_effects = zone, ["left_hand"], {"nausea": 2}
        new.sleep_hours = 6
        add(new)
        dump(name, patient_id, "entry")
        answers = {"pi_day_to_day": 4, "pi_work_home": 1, "pi_social": 2}
        add(
            WeeklyCheckin(
                id=uuid.uuid4(),
                patient_id=patient_id,
                day=today - timedelta(days=1),
                recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
                promis_pi=answers,
                pgic=5,
            )
        )
        dump(name, patient_id, "checkin")
        started = datetime.combine(today - timedelta(days=2), time(9), UTC)
        add(
            Infusion(
                patient_id=patient_id,
                clinician_id=clinician,
                started_at=started,
                duration_minutes=200,
                dose_mg=80.0,
                adjuncts=[],
            )
        )
        dump(name, patient_id, "infusion")
        add(
            Treatment(
                patient_id=patient_id,
                clinician_id=clinician,
                day=today - timedelta(days=3),
                kind="nerve_block",
                description="stellate",
            )
        )
        dump(name, patient_id, "treatment")
        old = entry(patient_id, 400, pain=9, symptoms=["stiffness"], sleep_hours=3)
        old.body_sites = ["left_foot"]
        add(old)
        dump(name, patient_id, "old-entry")
        with app.app_context():
            review_cache.clear()
        dump(name, patient_id, "cold")
    print(f"{len(list(out.iterdir()))} files in {out}")


if __name__ == "__main__":
    main()
