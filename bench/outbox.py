"""The phone's outbox on a connection that never answers, in Debian's Chromium: how soon a save
says "Saved on this phone", and how soon /diary opens from the service worker's cache.

Serves the app (gunicorn, 2 workers, 127.0.0.1, free port) on a temporary SQLite database with
the demo clinic, signs in once as its first patient (a phone-sized profile) and, in each run,
opens fresh profiles with that session (empty IndexedDB, no service worker yet):

- save: /diary with the service worker blocked and every /api/ request held by a Playwright
  route that never answers; pain 7, tap Save. The time is measured in the page
  (performance.now()) from the Save button's click to the status first reading "Saved on this
  phone". Baseline, in the same run: the same save with the API answering, to "Saved on this
  phone" and to "Sent".
- /diary: the service worker takes the page and caches /diary; then every request for /diary
  is held unanswered and /diary is opened again. The time is the navigation's
  domContentLoadedEventEnd (from the start of navigation). Baseline: the same navigation,
  through the worker, with the network answering, just before.

The median of --runs runs is printed, with the lowest and the highest. --throttle slows the
page's CPU (DevTools protocol) as on a slow phone. tests/browser/test_outbox.py holds the
behaviour (the save does not wait for the network, the cached page is served while the network
hangs); this prints the figures.

    .venv/bin/python bench/outbox.py [--runs 7] [--throttle 1]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path

# bench/http.py would stand in for the standard library's http package: keep bench/ off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright

from bench import seed
from bench.http import server_env, start_gunicorn, stop
from diary import demo
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, wait_for_service_worker

ROOT = Path(__file__).resolve().parent.parent
SAVED = "Saved on this phone"

# The Save button's click and the status's first "Saved on this phone", in the page's clock.
STOPWATCH = """() => {
  const status = document.getElementById('save-status');
  window.__times = {};
  document.addEventListener('click', (event) => {
    if (event.target.closest('#entry-form button')) window.__times.tap = performance.now();
  }, true);
  new MutationObserver(() => {
    const text = status.textContent;
    if (!window.__times.saved && text.includes('Saved on this phone')) {
      window.__times.saved = performance.now();
    }
    if (!window.__times.sent && text === 'Sent') window.__times.sent = performance.now();
  }).observe(status, {childList: true, characterData: true, subtree: true});
}"""

DOM_LOADED = "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"


def build_data(database_url: str) -> str:
    """The demo clinic on a fresh database; the email of its first patient."""
    app = seed.migrated_app(database_url)
    with app.app_context():
        _clinician, patients, _created = demo.create_demo(password=seed.PASSWORD)
        return patients[0].email


def _phone(browser, base: str, state: dict | None, throttle: float, **options):
    context = browser.new_context(
        base_url=base,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        storage_state=state,
        **options,
    )
    context.set_default_timeout(60_000)
    page = context.new_page()
    if throttle != 1:
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    return context, page


def _signed_in_state(browser, base: str, email: str) -> dict:
    context, page = _phone(browser, base, None, 1)
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", seed.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/diary")
    state = context.storage_state()
    context.close()
    return state


def _save(browser, base: str, state: dict, throttle: float, *, answering: bool) -> dict:
    context, page = _phone(browser, base, state, throttle, service_workers="block")
    page.goto("/diary")
    if not answering:
        page.route("**/api/**", lambda route: None)  # held: never fulfilled, continued, aborted
    page.evaluate(STOPWATCH)
    page.locator("#pain-group").get_by_role("radio", name="7", exact=True).check()
    page.get_by_role("button", name="Save").first.click()
    status = page.locator("#save-status")
    status.filter(has_text=re.compile("^Sent$" if answering else SAVED)).wait_for()
    times = page.evaluate("window.__times")
    context.close()
    return {name: times[name] - times["tap"] for name in ("saved", "sent") if name in times}


def _diary_from_cache(browser, base: str, state: dict, throttle: float) -> tuple[float, float]:
    context, page = _phone(browser, base, state, throttle)
    page.goto("/diary")
    wait_for_service_worker(page)
    page.reload()
    page.wait_for_load_state("networkidle")  # the worker has kept /diary
    page.goto("/diary", wait_until="domcontentloaded")
    answering = page.evaluate(DOM_LOADED)
    context.route("**/diary", lambda route: None)  # held: the network accepts and never answers
    response = page.goto("/diary", wait_until="domcontentloaded")
    if not response.from_service_worker:
        raise SystemExit("/diary did not come from the service worker")
    hanging = page.evaluate(DOM_LOADED)
    context.close()
    return hanging, answering


def _row(label: str, values: list[float]) -> str:
    return f"| {label} | {statistics.median(values):,.0f} | {min(values):,.0f}-{max(values):,.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--throttle", type=float, default=1.0, help="CPU slowdown of the page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/bench.sqlite3"
        email = build_data(database_url)
        env = server_env(database_url, "development")
        server, base = start_gunicorn("wsgi:app", env, ROOT)
        try:
            found: dict[str, list[float]] = {
                "hang saved": [],
                "answer saved": [],
                "answer sent": [],
                "nav hang": [],
                "nav answer": [],
            }
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                state = _signed_in_state(browser, base, email)
                for _ in range(args.runs):
                    found["hang saved"].append(
                        _save(browser, base, state, args.throttle, answering=False)["saved"]
                    )
                    answered = _save(browser, base, state, args.throttle, answering=True)
                    found["answer saved"].append(answered["saved"])
                    found["answer sent"].append(answered["sent"])
                    hanging, answering = _diary_from_cache(browser, base, state, args.throttle)
                    found["nav hang"].append(hanging)
                    found["nav answer"].append(answering)
                browser.close()
        finally:
            stop(server)
    cpu = f", {args.throttle:g}x CPU" if args.throttle != 1 else ""
    print(f"| {args.runs} runs{cpu} | median ms | lowest-highest |")
    print("|---|---:|---:|")
    print(_row('tap to "Saved on this phone", the API never answers', found["hang saved"]))
    print(_row('tap to "Saved on this phone", the API answering (baseline)', found["answer saved"]))
    print(_row('tap to "Sent", the API answering (baseline)', found["answer sent"]))
    print(_row("/diary DOMContentLoaded from the cache, the network hangs", found["nav hang"]))
    print(_row("/diary DOMContentLoaded, the network answering (baseline)", found["nav answer"]))


if __name__ == "__main__":
    main()
