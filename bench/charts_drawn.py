"""Time from navigation to all review charts drawn, in Debian's Chromium with 4x CPU throttling.

Serves the app (gunicorn, 2 workers, 127.0.0.1, free port) on a temporary SQLite database with
the demo clinic, signs in as its clinician, and for each review (a demo patient with 90 days,
and one with 5 years and 40 infusions at ?range=all) loads the page N times in a fresh browser
context (empty cache) with the CPU slowed 4x through the DevTools protocol. The time is from the
start of navigation to the moment the page's chart script (static/js/review-charts.js; before
the SVG charts, static/js/charts.js) marks every chart drawn
(<html data-charts="drawn">); the median is printed with the bytes transferred (compressed)
and the drawing times the script records (performance measures "chart X": each plotly chart
before, "chart all" for inserting every SVG chart after).

With --before COMMIT a second server runs that commit's code (a temporary git worktree, removed
afterwards) on the same database, and the runs alternate between the two: one run, one load.

    .venv/bin/python bench/charts_drawn.py [--runs 5] [--before 2fe896c]
"""

from __future__ import annotations

import argparse
import contextlib
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
from bench.http import build_data, server_env, start_gunicorn, stop, worktree
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent


def _load(browser, base: str, email: str, path: str, throttle: float) -> tuple[float, int, dict]:
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
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    started = time.perf_counter()
    page.goto(path)
    page.wait_for_selector("html[data-charts=drawn]", timeout=120_000)
    elapsed = (time.perf_counter() - started) * 1000
    size = page.evaluate(
        """() => performance.getEntries()
            .filter(e => 'transferSize' in e)
            .reduce((sum, e) => sum + e.transferSize, 0)"""
    )
    charts = page.evaluate(
        """() => Object.fromEntries(performance.getEntriesByType('measure')
            .filter(m => m.name.startsWith('chart '))
            .map(m => [m.name.slice(6), m.duration]))"""
    )
    context.close()
    return elapsed, size, charts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--throttle", type=float, default=4.0)
    parser.add_argument("--before", default=None, help="a commit to measure too (worktree)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        database_url = f"sqlite:///{tmp}/bench.sqlite3"
        ids = build_data(database_url)
        env = server_env(database_url, "development")
        roots = {"after": ROOT}
        if args.before:
            before = stack.enter_context(worktree(args.before))
            roots = {f"before ({args.before})": before, "after": ROOT}
        servers = {name: start_gunicorn("wsgi:app", env, root) for name, root in roots.items()}
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
                print(
                    f"| code | page | median ms to all charts drawn ({args.throttle:g}x CPU) "
                    "| KiB | median ms per chart |"
                )
                print("|---|---|---:|---:|---|")
                for label, (email, path) in pages.items():
                    found: dict[str, list] = {name: [] for name in servers}
                    for _ in range(args.runs):
                        for name, (_server, base) in servers.items():
                            found[name].append(_load(browser, base, email, path, args.throttle))
                    for name, runs in found.items():
                        per_chart = {
                            chart: statistics.median(r[2].get(chart, 0) for r in runs)
                            for chart in runs[0][2]
                        }
                        print(
                            f"| {name} | {label} | {statistics.median(r[0] for r in runs):,.0f} "
                            f"| {statistics.median(r[1] for r in runs) / 1024:,.0f} | "
                            + ", ".join(f"{c} {ms:,.0f}" for c, ms in per_chart.items())
                            + " |"
                        )
                browser.close()
        finally:
            for server, _base in servers.values():
                stop(server)


if __name__ == "__main__":
    main()
