"""How long the clinician's review takes on the server: 5 years of daily entries and 40
infusions against 30 days of entries, both with ?range=all, and the demo-like 90 days.

Builds the app in-process on a temporary SQLite database (migrated), creates the patients with
bulk inserts, warms up, sets the garbage collector as a gunicorn worker has it (wsgi.py:
diary/worker_gc.py, where the measured code has it), then times N requests of each through the
test client (the patients in turn, one request each, so a drift of the machine's speed affects
all alike) and prints the
median server time in ms, the ratio to the 30-day patient, and the SQL statements per request:
"after an entry" (a new entry for today saved before each request, through the ORM as the
diary saves one: a new data version, so the review is computed again, from what the worker
keeps of the older days where the code keeps it), "after a check-in" (a weekly check-in for
today saved before each request, as the diary saves one: the clinician's usual review, before
an infusion), "cold" (every cache and kept record emptied before each request: the patient's
first review, or the first after a change to an older day's entry, check-in, session or
treatment; without Redis also a worker's first) and "cached" (the same data version again).
With --redis-url (the review cache in Redis, as in production) also "new worker after an
entry": a new entry, then this worker's memory emptied (review_cache.clear_worker: as a worker
just started, or one that has not reviewed the patient lately), so the review finds the
patient's kept history in Redis, where any worker put it. Last, "after the boundary moved":
the review made today (untimed), then timed with its clock 28 days on (nothing else changed),
so the boundary of the history kept today (review/history.py) has moved on. The page
and, where the code has it, its charts request (GET /api/v1/patients/<id>/review/charts) are
timed apart and together.

With --before COMMIT the same measurement runs first on that commit (a temporary git worktree,
removed afterwards) and both are printed side by side: one run, one machine, one load.

    .venv/bin/python bench/review_page.py [--requests 15] [--before 2fe896c] [--database-url URL]
                                          [--clock cpu] [--redis-url redis://127.0.0.1:6379/13]

--clock cpu times each request by the CPU time of this process (time.process_time) instead of
the wall clock: on a machine busy with other jobs the wall clock mostly measures the wait for a
core, the CPU time much less so (it leaves out waits for the disk, which SQLite's commits have).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

# bench/http.py would stand in for the standard library's http package: keep bench/ off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
# --root: the code to measure (a worktree of another commit); this checkout by default.
ROOT = Path(
    sys.argv[sys.argv.index("--root") + 1] if "--root" in sys.argv else Path(__file__).parent.parent
).resolve()
sys.path.insert(0, str(ROOT))

from sqlalchemy import event

from diary.extensions import db
from diary.models import Entry, Role, User, WeeklyCheckin
from diary.services import review_cache

# This checkout's bench/seed.py, whichever code --root names: before and after see the same data.
_spec = importlib.util.spec_from_file_location("bench_seed", Path(__file__).with_name("seed.py"))
seed = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seed)
# Pain 2 every day, for every patient (seed.py's default varies it by patient).
PAIN = 2


def _new_row(app, patient_id: int, kind: str) -> None:
    """A patient's entry ("entry") or weekly check-in ("checkin") for today, saved through the
    ORM as the diary saves one (the database's triggers raise the data version in the same
    statement); outside the timed request."""
    now = datetime.now(UTC)
    with app.app_context():
        if kind == "entry":
            row = Entry(
                id=uuid.uuid4(),
                patient_id=patient_id,
                day=now.date(),
                recorded_at=now,
                timezone=db.session.get(User, patient_id).timezone,
                pain=4,
                symptoms=["burning"],
                body_sites=["right_hand"],
                side_effects={},
                medications=[],
            )
        else:
            row = WeeklyCheckin(
                id=uuid.uuid4(),
                patient_id=patient_id,
                day=now.date(),
                recorded_at=now,
                promis_pi={"pi_day_to_day": 3, "pi_work_home": 2, "pi_social": 3, "pi_chores": 2},
                pgic=3,
            )
        db.session.add(row)
        db.session.commit()


def _as_a_worker() -> None:
    """The garbage collector set as the code's wsgi.py sets it in a gunicorn worker
    (diary/worker_gc.py), where the code has that; else left as Python sets it, as that code's
    workers ran."""
    try:
        from diary import worker_gc
    except ImportError:
        return
    worker_gc.settle()


def _fresh_worker(app) -> None:
    """This worker's memory emptied, Redis left as it is (review_cache.clear_worker; code
    without it cannot share a history, so everything is emptied there, as in "cold")."""
    with app.app_context():
        empty = getattr(review_cache, "clear_worker", None) or getattr(
            review_cache, "clear", review_cache.cache.clear
        )
        empty()


def _clock_ahead(days: int) -> None:
    """The review's clock (what review.build and review_cache read as now) `days` ahead of the
    real one."""
    for name in ("diary.services.review.pages", "diary.services.review_cache"):
        sys.modules[name].utcnow = lambda days=days: datetime.now(UTC) + timedelta(days=days)


def _kept_today_reviewed_later(app, client, page_url: str, charts_url: str | None) -> None:
    """Before a request of "after the boundary moved": everything emptied, the review made
    today (untimed: the patient's history kept at today's boundary), then the clock 28 days on,
    where the boundary is the next one and nothing else changed. The days between the two
    boundaries are the diary's last weeks, and then four weeks without an entry."""
    _clock_ahead(0)
    with app.app_context():
        getattr(review_cache, "clear", review_cache.cache.clear)()
    assert client.get(page_url).status_code == 200
    if charts_url:
        assert client.get(charts_url).status_code == 200
    _clock_ahead(28)


def measure(args) -> dict:
    """The figures of the code under ROOT, as a dict (printed as JSON with --json)."""
    out: dict = {"root": str(ROOT), "rows": []}
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    with tempfile.TemporaryDirectory() as tmp:
        redis = {}
        if args.redis_url:  # a prefix of this run's own, its keys cleared at the end
            redis = {"REDIS_URL": args.redis_url, "CACHE_KEY_PREFIX": f"bench-{uuid.uuid4().hex}:"}
        # A --database-url is a scratch database: emptied first (with --before, the second
        # run's database is the one the first filled).
        app = seed.migrated_app(
            args.database_url or f"sqlite:///{tmp}/bench.sqlite3",
            fresh=bool(args.database_url),
            **redis,
        )
        with app.app_context():
            clinician_id = seed.user("clinician@bench.example", Role.CLINICIAN, "Bench clinician")
            patients = {
                "5 years, 40 infusions, range=all": (
                    seed.patient(
                        clinician_id, "five-years", days=5 * 365 + 1, infusions=40, pain=PAIN
                    ),
                    "all",
                ),
                "30 days, 1 infusion, range=all": (
                    seed.patient(clinician_id, "thirty-days", days=30, infusions=1, pain=PAIN),
                    "all",
                ),
                "120 days, 3 infusions, 90 days": (
                    seed.patient(clinician_id, "ninety-days", days=120, infusions=3, pain=PAIN),
                    "90",
                ),
            }
        client = app.test_client()
        seed.sign_in(client, "clinician@bench.example")
        with app.app_context():
            engine = db.engine
        statements: list[str] = []

        def count(*_args) -> None:
            statements.append("x")

        urls = {}
        for label, (patient_id, range_key) in patients.items():
            page_url = f"/clinic/patients/{patient_id}?range={range_key}"
            html = client.get(page_url).text
            src = re.search(r'data-charts-src="([^"]+)"', html)
            charts_url = src.group(1).replace("&amp;", "&") if src else None
            urls[label] = (patient_id, page_url, charts_url)
            for _ in range(3):  # warm-up
                assert client.get(page_url).status_code == 200
                if charts_url:
                    assert client.get(charts_url).status_code == 200
        _as_a_worker()
        event.listen(engine, "before_cursor_execute", count)
        modes = ["after an entry", "after a check-in", "cold", "cached", "after the boundary moved"]
        if args.redis_url:
            modes.insert(2, "new worker after an entry")
        for mode in modes:
            times = {label: {"page": [], "charts": [], "both": []} for label in urls}
            sizes: dict[str, dict[str, int]] = {label: {} for label in urls}
            counted = dict.fromkeys(urls, 0)
            # The patients in turn, request by request: a machine whose speed drifts slows
            # all of them alike, and the ratios between them hold.
            for _ in range(args.requests):
                for label, (patient_id, page_url, charts_url) in urls.items():
                    if mode == "after an entry":
                        _new_row(app, patient_id, "entry")
                    elif mode == "new worker after an entry":
                        _new_row(app, patient_id, "entry")
                        _fresh_worker(app)
                    elif mode == "after a check-in":
                        _new_row(app, patient_id, "checkin")
                    elif mode == "cold":
                        with app.app_context():
                            # review_cache.clear() where the code keeps built records too
                            getattr(review_cache, "clear", review_cache.cache.clear)()
                    elif mode == "after the boundary moved":
                        _kept_today_reviewed_later(app, client, page_url, charts_url)
                    statements.clear()  # the requests' statements only
                    t0 = clock()
                    page = client.get(page_url)
                    t1 = clock()
                    assert page.status_code == 200
                    sizes[label]["page"] = len(page.data)
                    if charts_url:
                        charts = client.get(charts_url)
                        assert charts.status_code == 200
                        sizes[label]["charts"] = len(charts.data)
                    t2 = clock()
                    times[label]["page"].append((t1 - t0) * 1000)
                    times[label]["charts"].append((t2 - t1) * 1000)
                    times[label]["both"].append((t2 - t0) * 1000)
                    counted[label] += len(statements)
            for label, (_patient_id, _page_url, charts_url) in urls.items():
                taken = times[label]
                out["rows"].append(
                    {
                        "patient": label,
                        "mode": mode,
                        "page_ms": statistics.median(taken["page"]),
                        "charts_ms": statistics.median(taken["charts"]) if charts_url else None,
                        "both_ms": statistics.median(taken["both"]),
                        "statements": counted[label] // args.requests,
                        "page_kib": sizes[label]["page"] / 1024,
                        "charts_kib": sizes[label].get("charts", 0) / 1024 or None,
                    }
                )
        _clock_ahead(0)
        event.remove(engine, "before_cursor_execute", count)
        if args.redis_url:
            with app.app_context():
                review_cache.cache.clear()
    return out


def _print(results: list[dict]) -> None:
    print(
        "| code | patient | mode | page ms | charts ms | page + charts ms | x 30 days (page) "
        "| x 30 days (both) | SQL | page KiB | charts KiB |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for result in results:
        rows = result["rows"]
        base = {r["mode"]: r for r in rows if r["patient"].startswith("30 days")}
        for r in rows:
            b = base[r["mode"]]
            charts = f"{r['charts_ms']:.1f}" if r["charts_ms"] is not None else "-"
            charts_kib = f"{r['charts_kib']:.0f}" if r["charts_kib"] else "-"
            print(
                f"| {result['name']} | {r['patient']} | {r['mode']} | {r['page_ms']:.1f} "
                f"| {charts} | {r['both_ms']:.1f} | {r['page_ms'] / b['page_ms']:.1f}x "
                f"| {r['both_ms'] / b['both_ms']:.1f}x | {r['statements']} "
                f"| {r['page_kib']:.0f} | {charts_kib} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    parser.add_argument("--before", default=None, help="a commit to measure first (worktree)")
    parser.add_argument("--redis-url", default=None, help="the review cache in this Redis")
    parser.add_argument("--root", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        print("RESULT " + json.dumps(measure(args)))
        return
    if args.before is None:
        result = measure(args)
        result["name"] = "this checkout"
        _print([result])
        return
    from bench.http import worktree  # not at the top: a --root child may lack it (older commit)

    here = Path(__file__).resolve().parent.parent
    results = []
    with worktree(args.before) as before:
        for name, root in ((f"before ({args.before})", before), ("after", here)):
            command = [sys.executable, __file__, "--json", "--root", str(root)]
            command += ["--requests", str(args.requests), "--clock", args.clock]
            if args.database_url:
                command += ["--database-url", args.database_url]
            if args.redis_url:
                command += ["--redis-url", args.redis_url]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
            results.append({"name": name, **json.loads(line[len("RESULT ") :])})
    _print(results)


if __name__ == "__main__":
    main()
