"""Push reminders in the browser: a push message delivered to the diary's service worker (through
the DevTools protocol, as the push service would) shows the reminder, with the URL its tap
opens; and the reminder settings tell a patient whose browser cannot receive pushes what to do."""

from __future__ import annotations

import json
from datetime import time

import pytest
from playwright.sync_api import expect

from diary.services import push
from tests.browser.conftest import sign_in, wait_for_service_worker

NOTIFICATIONS = """(ms) => Promise.race([
    navigator.serviceWorker.ready.then(async (reg) => {
        for (let i = 0; i < 50; i += 1) {
            const shown = await reg.getNotifications();
            if (shown.length) {
                return shown.map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data}));
            }
            await new Promise((resolve) => setTimeout(resolve, ms / 50));
        }
        return [];
    }),
    new Promise((resolve) => setTimeout(() => resolve(null), ms + 1000)),
])"""
# How long a delivered push may take to show (it polls, so a quick one returns at once): the
# 8 s it had ran out once while two suites shared the machine's two cores.
NOTIFIED_WITHIN_MS = 20_000
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def vapid_keys(app, monkeypatch):
    private, public = push.new_vapid_keys()
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", private)
    monkeypatch.setitem(app.config, "VAPID_SUBJECT", "mailto:it@clinic.example")
    return public


def _registration_id(page, cdp, live_server: str) -> str:
    """The diary's service worker registration, as DevTools names it."""
    registrations: dict[str, str] = {}

    def updated(event) -> None:
        for reg in event["registrations"]:
            if not reg.get("isDeleted"):
                registrations[reg["registrationId"]] = reg["scopeURL"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", updated)
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        found = [rid for rid, scope in registrations.items() if scope == f"{live_server}/"]
        if found:
            return found[0]
        page.wait_for_timeout(100)
    raise AssertionError(f"no registration for {live_server}/ in {registrations}")


def test_a_push_message_shows_the_reminder(new_phone, live_server, make, vapid_keys):
    context = new_phone()
    context.grant_permissions(["notifications"], origin=live_server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, make.patient(reminder_time=time(20, 0)))
    page.goto("/diary")
    wait_for_service_worker(page)
    cdp = context.new_cdp_session(page)
    registration = _registration_id(page, cdp, live_server)

    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server,
            "registrationId": registration,
            "data": json.dumps(
                {
                    "title": "Time for your diary",
                    "body": "Today has no entry yet. Tap to log today.",
                    "url": "/diary",
                    "tag": "diary-reminder",
                }
            ),
        },
    )

    shown = page.evaluate(NOTIFICATIONS, NOTIFIED_WITHIN_MS)
    assert shown == [
        {
            "title": "Time for your diary",
            "body": "Today has no entry yet. Tap to log today.",
            "tag": "diary-reminder",
            "data": {"url": "/diary"},
        }
    ]
    assert errors == []


def test_a_url_of_another_site_is_never_opened(new_phone, live_server, make, vapid_keys):
    """A payload naming another site's address still opens the diary."""
    context = new_phone()
    context.grant_permissions(["notifications"], origin=live_server)
    page = context.new_page()
    sign_in(page, make.patient())
    page.goto("/diary")
    wait_for_service_worker(page)
    cdp = context.new_cdp_session(page)
    registration = _registration_id(page, cdp, live_server)

    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server,
            "registrationId": registration,
            "data": json.dumps({"title": "Weekly check-in", "url": "https://evil.example/x"}),
        },
    )

    [shown] = page.evaluate(NOTIFICATIONS, NOTIFIED_WITHIN_MS)
    assert (shown["title"], shown["data"]) == ("Weekly check-in", {"url": "/diary"})


def test_the_settings_offer_notifications_where_the_browser_can(page, make, vapid_keys):
    sign_in(page, make.patient(reminder_time=time(20, 0)))
    page.goto("/diary")
    page.get_by_text("Daily reminder").click()
    expect(page.get_by_role("button", name="Send reminders to this phone")).to_be_visible()
    expect(page.locator("#push-status")).to_contain_text("This phone gets no notifications")
    expect(page.get_by_text("Add to Home Screen")).to_be_hidden()
    assert page.js_errors == []


def test_an_iphone_before_add_to_home_screen_is_told_how(new_phone, make, vapid_keys):
    """Safari on an iPhone has no PushManager until the diary is on the Home Screen."""
    context = new_phone(user_agent=IPHONE_SAFARI)
    context.add_init_script("delete window.PushManager;")
    page = context.new_page()
    sign_in(page, make.patient(reminder_time=time(20, 0)))
    page.goto("/diary")
    page.get_by_text("Daily reminder").click()
    expect(page.locator("#push-ios-hint")).to_be_visible()
    expect(page.locator("#push-ios-hint")).to_contain_text("Add to Home Screen")
    expect(page.get_by_role("button", name="Send reminders to this phone")).to_be_hidden()


def test_a_browser_without_push_keeps_the_in_app_reminder(new_phone, make, vapid_keys):
    context = new_phone()
    context.add_init_script("delete window.PushManager;")
    page = context.new_page()
    sign_in(page, make.patient(reminder_time=time(20, 0)))
    page.goto("/diary")
    page.get_by_text("Daily reminder").click()
    expect(page.locator("#push-status")).to_contain_text("reminds you when you open it")
    expect(page.locator("#push-ios-hint")).to_be_hidden()


def test_a_tap_on_the_reminder_brings_up_the_right_window(new_phone, live_server, make):
    """What the worker's notificationclick listener does with a tap, decided by notificationTarget
    in static/sw.js (the listener only carries the answer out: a synthetic event in a test could
    not focus or open a window), asked inside the installed worker with the open windows' URLs.
    A window already on the reminder's path comes to the front as it is; else a diary window
    comes to the front and goes there; with none, a new window opens on the path; an address of
    another site, a malformed one or none at all means /diary."""
    context = new_phone()
    page = context.new_page()
    sign_in(page, make.patient())
    page.goto("/diary")
    wait_for_service_worker(page)
    [worker] = [w for w in context.service_workers if w.url == f"{live_server}/sw.js"]

    def tap(windows: list[str], url: str | None) -> dict:
        return worker.evaluate(
            "([windows, url]) => notificationTarget(windows, url)",
            [[f"{live_server}{path}" for path in windows], url],
        )

    checkin = "/diary/checkin"
    # Already there: that window, not the first diary window, and it is not reloaded.
    assert tap(["/diary", checkin], checkin) == {"focus": 1, "navigate": None}
    assert tap(["/diary?day=2026-03-10"], "/diary?day=2026-03-10") == {
        "focus": 0,
        "navigate": None,
    }
    # A diary window elsewhere goes to the path.
    assert tap(["/offline", "/diary/history"], checkin) == {"focus": 1, "navigate": checkin}
    assert tap([checkin], "/diary") == {"focus": 0, "navigate": "/diary"}
    # No diary window: a new one.
    assert tap([], checkin) == {"open": checkin}
    assert tap(["/offline"], checkin) == {"open": checkin}
    # Never another site's address, nor a malformed one: the diary instead.
    for url in ("https://evil.example/diary/checkin", "//evil.example/x", "javascript:alert(1)"):
        assert tap([], url) == {"open": "/diary"}, url
        assert tap(["/diary/history"], url) == {"focus": 0, "navigate": "/diary"}, url
        assert tap(["/diary/history", "/diary"], url) == {"focus": 1, "navigate": None}, url
    for url in ("http://[::1", None, ""):
        assert tap([], url) == {"open": "/diary"}, url
