"""The garbage collector's share of a worker's cold reviews: as deployed (wsgi.py calls
diary/worker_gc.settle(): start-up objects frozen, young generation of worker_gc.THRESHOLDS),
frozen with Python's thresholds, and Python's defaults (nothing frozen, 700/10/10).

Builds bench/seed.py's 5 years of daily entries and 40 infusions and 30 days with 1 on a
temporary SQLite database, then runs one fresh interpreter per setting that loads the app as a
gunicorn worker does (`import wsgi`, then the setting), signs in and times N cold reviews of
each patient in turn (page and charts request, every cache and kept record emptied before each,
as bench/review_page.py's "cold") through the test client. Prints per setting and patient the
median, mean, 95th percentile and slowest review (wall ms), the collector's time per review and
its full (generation 2) collections: how many and how long each; and the 5-year median over the
30-day one. The median hides the full collections' pauses (one review in eight or so); the mean
and the slowest show them.

    .venv/bin/python bench/gc_pauses.py [--reviews 60]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# bench/http.py would stand in for the standard library's http package: keep bench/ off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))
EMAIL = "clinician@bench.example"


def _seed():
    spec = importlib.util.spec_from_file_location("bench_seed", BENCH / "seed.py")
    seed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seed)
    return seed


PATIENTS = {"five": "5 years, 40 infusions", "thirty": "30 days, 1 infusion"}
SETTINGS = {
    "deployed": "as deployed (worker_gc.settle)",
    "frozen": "frozen, Python's thresholds",
    "python": "Python's defaults",
}


def build(database_url: str) -> dict[str, int]:
    """The clinician and the two patients; their ids."""
    from diary.models import Role

    seed = _seed()
    app = seed.migrated_app(database_url)
    with app.app_context():
        clinician = seed.user(EMAIL, Role.CLINICIAN, "Bench clinician")
        return {
            "five": seed.patient(clinician, "five-years", days=5 * 365 + 1, infusions=40, pain=2),
            "thirty": seed.patient(clinician, "thirty-days", days=30, infusions=1, pain=2),
        }


def worker(patients: dict[str, int], reviews: int, setting: str) -> dict:
    """In a fresh interpreter: the app as gunicorn loads it, the collector set as `setting`
    says, then `reviews` cold reviews of each patient, in turn."""
    import gc
    import re
    import time

    import wsgi
    from diary.services import review_cache

    if setting != "deployed":
        gc.set_threshold(700, 10, 10)
    if setting == "python":
        gc.unfreeze()
    client = wsgi.app.test_client()
    _seed().sign_in(client, EMAIL)
    urls = {}
    for name, patient in patients.items():
        page = f"/clinic/patients/{patient}?range=all"
        charts = re.search(r'data-charts-src="([^"]+)"', client.get(page).text).group(1)
        urls[name] = (page, charts.replace("&amp;", "&"))
    pauses: dict[str, list[tuple[int, float]]] = {name: [] for name in patients}
    now, started = [""], [0.0]

    def timed(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses[now[0]].append((info["generation"], time.perf_counter() - started[0]))

    def cold(name: str) -> float:
        now[0] = name
        start = time.perf_counter()
        with wsgi.app.app_context():
            review_cache.clear()
        page, charts = urls[name]
        assert client.get(page).status_code == 200
        assert client.get(charts).status_code == 200
        return time.perf_counter() - start

    for _ in range(3):
        for name in patients:
            cold(name)
    gc.callbacks.append(timed)
    times: dict[str, list[float]] = {name: [] for name in patients}
    for _ in range(reviews):
        for name in patients:
            times[name].append(cold(name))
    gc.callbacks.remove(timed)
    return {
        "times": times,
        "pauses": pauses,
        "frozen": gc.get_freeze_count(),
        "tracked": len(gc.get_objects()),
    }


def _row(setting: str, name: str, found: dict, reviews: int) -> str:
    ms = sorted(t * 1000 for t in found["times"][name])
    full = [p * 1000 for g, p in found["pauses"][name] if g == 2]
    collected = sum(p for _, p in found["pauses"][name]) * 1000 / reviews
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    each = ", ".join(f"{p:.0f}" for p in full) or "-"
    return (
        f"| {SETTINGS[setting]} | {PATIENTS[name]} | {statistics.median(ms):.1f} | "
        f"{statistics.fmean(ms):.1f} | {p95:.1f} | {ms[-1]:.1f} | {collected:.2f} | "
        f"{len(full)} ({each}) |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=60)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        setting, ids = args.worker.split(":", 1)
        print(json.dumps(worker(json.loads(ids), args.reviews, setting)))
        return
    folder = tempfile.mkdtemp()
    url = f"sqlite:///{folder}/bench.sqlite3"
    patients = build(url)
    env = {**os.environ, "DIARY_ENV": "testing", "TEST_DATABASE_URL": url}
    print(f"{args.reviews} cold reviews of each patient (range=all), page + charts, wall ms")
    print(
        "| collector | patient | median | mean | p95 | slowest | collector ms per review "
        "| full collections (ms each) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    ratios, objects = [], []
    for setting in SETTINGS:
        done = subprocess.run(
            [sys.executable, __file__, "--reviews", str(args.reviews),
             "--worker", f"{setting}:{json.dumps(patients)}"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        found = json.loads(done.stdout.strip().splitlines()[-1])
        for name in PATIENTS:
            print(_row(setting, name, found, args.reviews))
        five, thirty = (statistics.median(found["times"][n]) for n in PATIENTS)
        ratios.append(f"{SETTINGS[setting]} {five / thirty:.2f}x")
        objects.append(f"{SETTINGS[setting]} {found['frozen']:,} / {found['tracked']:,}")
    print("\n5 years over 30 days (medians): " + "; ".join(ratios))
    print("objects frozen / tracked at the end: " + "; ".join(objects))


if __name__ == "__main__":
    main()
