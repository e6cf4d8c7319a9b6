"""Time from navigation to all review charts drawn, in Debian's Chromium with 4x CPU throttling.

Serves the app (gunicorn, 2 workers, 127.0.0.1, free port) on a temporary SQLite database with
the demo clinic, signs in as its clinician, and for each review (a demo patient with 90 days,
and one with 5 years and 40 infusions at ?range=all) loads the page N times in a fresh browser
context (empty cache) with the CPU slowed 4x through the DevTools protocol. The time is from the
start of navigation to the moment static/js/charts.js marks every chart drawn
(<html data-charts="drawn">); the median is printed with the bytes transferred (compressed).

    .venv/bin/python bench/charts_drawn.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

# bench/http.py would stand in for the standard library's http package: keep bench/ off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright

from bench import seed
from bench.http import build_data, start_gunicorn, stop
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--throttle", type=float, default=4.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/bench.sqlite3"
        ids = build_data(database_url)
        env = dict(os.environ)
        env.pop("REDIS_URL", None)
        env.update(
            DIARY_ENV="development",  # plain http on 127.0.0.1: cookies without Secure
            SECRET_KEY=secrets.token_hex(32),
            DATABASE_URL=database_url,
        )
        server, base = start_gunicorn("wsgi:app", env, ROOT)
        try:
            pages = {
                "review, demo patient, 90 days": (
                    ids["demo_clinician"],
                    f"/clinic/patients/{ids['patient1_id']}",
                ),
                "review, 5 years + 40 infusions, range=all": (
                    ids["long_clinician"],
                    f"/clinic/patients/{ids['long_patient_id']}?range=all",
                ),
            }
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                print(f"| page | median ms to all charts drawn ({args.throttle:g}x CPU) | KiB |")
                print("|---|---:|---:|")
                for label, (email, path) in pages.items():
                    times, sizes = [], []
                    for _ in range(args.runs):
                        context = browser.new_context(base_url=base)
                        page = context.new_page()
                        page.goto("/login")
                        page.fill("input[name=email]", email)
                        page.fill("input[name=password]", seed.PASSWORD)
                        page.click("button[type=submit]")
                        page.wait_for_load_state("networkidle")
                        cdp = context.new_cdp_session(page)
                        cdp.send("Network.enable")
                        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                        cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.throttle})
                        started = time.perf_counter()
                        page.goto(path)
                        page.wait_for_selector("html[data-charts=drawn]", timeout=120_000)
                        times.append((time.perf_counter() - started) * 1000)
                        sizes.append(
                            page.evaluate(
                                """() => performance.getEntries()
                                    .filter(e => 'transferSize' in e)
                                    .reduce((sum, e) => sum + e.transferSize, 0)"""
                            )
                        )
                        context.close()
                    print(
                        f"| {label} | {statistics.median(times):,.0f} "
                        f"| {statistics.median(sizes) / 1024:,.0f} |"
                    )
                browser.close()
        finally:
            stop(server)


if __name__ == "__main__":
    main()
