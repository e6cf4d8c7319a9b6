"""The garbage collector's pauses in a worker's cold reviews, with the start-up objects frozen
(wsgi.py's gc.freeze(), as gunicorn's workers run) and without (the same worker after
gc.unfreeze()).

Builds bench/seed.py's 5 years of daily entries and 40 infusions on a temporary SQLite database,
then runs two fresh interpreters that load the app as a gunicorn worker does (`import wsgi`),
sign in and time N cold reviews (page and charts request, every cache and kept record emptied
before each, as bench/review_page.py's "cold") through the test client. Prints per mode the
median, mean, 95th percentile and slowest review (wall ms), the collector's time per review and
its full (generation 2) collections: how many and how long each. The median hides the pauses
(one review in a dozen or so); the mean and the slowest show them.

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


def build(database_url: str) -> int:
    """The clinician and the 5-year patient; the patient's id."""
    from diary.models import Role

    seed = _seed()
    app = seed.migrated_app(database_url)
    with app.app_context():
        clinician = seed.user(EMAIL, Role.CLINICIAN, "Bench clinician")
        return seed.patient(clinician, "five-years", days=5 * 365 + 1, infusions=40, pain=2)


def worker(patient: int, reviews: int, frozen: bool) -> dict:
    """In a fresh interpreter: the app as gunicorn loads it, then `reviews` cold reviews."""
    import gc
    import re
    import time

    import wsgi
    from diary.services import review_cache

    if not frozen:
        gc.unfreeze()
    pauses: list[tuple[int, float]] = []
    started = [0.0]

    def timed(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append((info["generation"], time.perf_counter() - started[0]))

    client = wsgi.app.test_client()
    _seed().sign_in(client, EMAIL)
    page = f"/clinic/patients/{patient}?range=all"
    charts = re.search(r'data-charts-src="([^"]+)"', client.get(page).text).group(1)
    charts = charts.replace("&amp;", "&")

    def cold() -> None:
        with wsgi.app.app_context():
            review_cache.clear()
        assert client.get(page).status_code == 200
        assert client.get(charts).status_code == 200

    for _ in range(3):
        cold()
    gc.callbacks.append(timed)
    times = []
    for _ in range(reviews):
        start = time.perf_counter()
        cold()
        times.append(time.perf_counter() - start)
    gc.callbacks.remove(timed)
    return {
        "times": times,
        "pauses": pauses,
        "frozen": gc.get_freeze_count(),
        "tracked": len(gc.get_objects()),
    }


def _row(mode: str, found: dict, reviews: int) -> str:
    ms = sorted(t * 1000 for t in found["times"])
    full = [p * 1000 for g, p in found["pauses"] if g == 2]
    collected = sum(p for _, p in found["pauses"]) * 1000 / reviews
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    each = ", ".join(f"{p:.0f}" for p in full) or "-"
    return (
        f"| {mode} | {found['frozen']:,} / {found['tracked']:,} | {statistics.median(ms):.1f} | "
        f"{statistics.fmean(ms):.1f} | {p95:.1f} | {ms[-1]:.1f} | {collected:.2f} | "
        f"{len(full)} ({each}) |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=60)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        patient, frozen = args.worker.split(":")
        print(json.dumps(worker(int(patient), args.reviews, frozen == "frozen")))
        return
    folder = tempfile.mkdtemp()
    url = f"sqlite:///{folder}/bench.sqlite3"
    patient = build(url)
    env = {**os.environ, "DIARY_ENV": "testing", "TEST_DATABASE_URL": url}
    print(f"{args.reviews} cold reviews of 5 years and 40 infusions (range=all), page + charts")
    print(
        "| worker | objects frozen / tracked | median ms | mean ms | p95 ms | slowest ms "
        "| collector ms per review | full collections (ms each) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for mode in ("frozen", "unfrozen"):
        done = subprocess.run(
            [sys.executable, __file__, "--reviews", str(args.reviews),
             "--worker", f"{patient}:{mode}"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        found = json.loads(done.stdout.strip().splitlines()[-1])
        label = "as deployed (wsgi.py freezes)" if mode == "frozen" else "without gc.freeze()"
        print(_row(label, found, args.reviews))


if __name__ == "__main__":
    main()
