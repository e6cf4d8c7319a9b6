"""Browser tests: the app served on 127.0.0.1 in a thread, driven through Playwright in Debian's
Chromium (never a downloaded browser). Every test here is marked `browser`."""

from __future__ import annotations

import os
import threading

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without these Chromium stalls on connections this offline machine refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_phone(browser, live_server):
    """Make fresh phone-sized browser profiles (no cookies, no service worker, empty IndexedDB);
    options go to Playwright's new_context (e.g. timezone_id, service_workers="block")."""
    made = []

    def make(**options):
        context = browser.new_context(
            base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True, **options
        )
        context.set_default_timeout(10_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def context(new_phone):
    """A fresh phone-sized browser profile (no cookies, no service worker, empty IndexedDB)."""
    return new_phone()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    page.js_errors = errors  # tests assert this stays empty: no script errors, no CSP refusals
    yield page


def sign_in(page, user, password: str = PASSWORD) -> None:
    """Sign in through the real form, as a person would."""
    page.goto("/login")
    page.fill("#email", user.email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now (axe ships in the
    axe-playwright-python package: nothing is fetched)."""
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def wait_for_service_worker(page, *, tries: int = 3, seconds: int = 10) -> None:
    """Until a service worker controls the page (wait_for_function would need eval: CSP).

    A promise in page.evaluate has no time limit of its own: an install that never finishes
    (seen once under load on PostgreSQL) hung the suite. So each wait is bounded; the page is
    reloaded (which registers the worker again) and the wait repeated, then the test fails."""
    for _ in range(tries):
        controlled = page.evaluate(
            """(ms) => Promise.race([
                navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller ? true :
                    new Promise((resolve) => navigator.serviceWorker.addEventListener(
                        'controllerchange', () => resolve(true), {once: true}))),
                new Promise((resolve) => setTimeout(() => resolve(false), ms)),
            ])""",
            seconds * 1000,
        )
        if controlled:
            return
        page.reload()
    raise AssertionError(f"no service worker controlled the page after {tries} tries")
