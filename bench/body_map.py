"""What the review's body map costs: counted from the days the review has loaded
(services/review/body_map.py `body_map_of_days`, what the page does after a change to the diary;
the page then keeps it in the review's cache) and, for comparison, by its one query over the
entries (`body_map`), for 5 years of daily entries against 30 days, with ?range=all, next to the
whole review page (computed and cached: the cached page includes the cached map) in the same run.

Builds the app in-process on a temporary SQLite database (the patients of bench/review_page.py),
warms up, then prints medians in ms and the body map's share of the page.

    .venv/bin/python bench/body_map.py [--runs 15] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import seed
from diary.extensions import db
from diary.models import Role, User
from diary.services import review, review_cache
from diary.services.review import body_map

# The patients of bench/review_page.py: pain 2 every day.
PAIN = 2


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = seed.migrated_app(args.database_url or f"sqlite:///{tmp}/bench.sqlite3")
        with app.app_context():
            clinician_id = seed.user("clinician@bench.example", Role.CLINICIAN, "Bench clinician")
            patients = {
                "5 years": seed.patient(
                    clinician_id, "five", days=5 * 365 + 1, infusions=40, pain=PAIN
                ),
                "30 days": seed.patient(clinician_id, "thirty", days=30, infusions=1, pain=PAIN),
            }
        client = app.test_client()
        seed.sign_in(client, "clinician@bench.example")
        results = {}
        for label, patient_id in patients.items():
            url = f"/clinic/patients/{patient_id}?range=all"
            for _ in range(3):
                assert client.get(url).status_code == 200

            def computed(url=url):
                with app.app_context():
                    review_cache.cache.clear()
                client.get(url)

            page_computed = _median_ms(computed, args.runs)
            page_cached = _median_ms(lambda url=url: client.get(url), args.runs)
            with app.test_request_context():
                patient = db.session.get(User, patient_id)
                page = review_cache.review_page(patient, "all")

                days = review.build(patient).loaded.aggregates

                def only_map(days=days, page=page):
                    body_map.body_map_of_days(days, page.start, page.end)

                def by_query(patient=patient, page=page):
                    body_map.body_map(patient, page.start, page.end)

                map_ms = _median_ms(only_map, args.runs)
                query_ms = _median_ms(by_query, args.runs)
            results[label] = map_ms
            print(
                f"{label:>8}: body map {map_ms:6.1f} ms (by query {query_ms:6.1f} ms); review page "
                "computed "
                f"{page_computed:6.1f} ms, cached {page_cached:6.1f} ms; body map = "
                f"{100 * map_ms / page_computed:4.1f}% of computed, "
                f"{100 * map_ms / page_cached:4.1f}% of cached"
            )
        print(f"body map, 5 years / 30 days: {results['5 years'] / results['30 days']:.1f}x")


if __name__ == "__main__":
    main()
