"""The patient's diary in a phone-sized Chromium: log a day, offline outbox, PWA, accessibility."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from diary.extensions import db
from diary.models import Entry
from tests.browser.conftest import serious_violations, sign_in, wait_for_service_worker
from tests.factories import PASSWORD

WAITING = "Saved on this phone - waiting to sync"


def _entries(app, patient) -> list[Entry]:
    with app.app_context():
        query = select(Entry).where(Entry.patient_id == patient.id).order_by(Entry.recorded_at)
        return list(db.session.scalars(query))


_wait_for_service_worker = wait_for_service_worker


def test_pain_only_day_takes_two_taps(app, page, make):
    patient = make.patient()
    sign_in(page, patient)
    # 1: tap the pain score; 2: tap Save.
    page.get_by_role("radio", name="4", exact=True).first.check()
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("#save-status")).to_have_text("Sent")
    [entry] = _entries(app, patient)
    assert entry.pain == 4
    assert page.js_errors == []


def test_full_entry_with_sections_opened_by_tapping(app, page, make):
    patient = make.patient()
    sign_in(page, patient)
    # The phone's clock reads 2 h 17 min earlier than the server's (it saved offline, or it runs
    # behind): the entry keeps the phone's moment of saving, to the millisecond.
    saved_at = (datetime.now(UTC) - timedelta(hours=2, minutes=17)).replace(microsecond=123_000)
    page.clock.set_fixed_time(saved_at)
    page.locator("#pain-group").get_by_role("radio", name="7", exact=True).check()
    page.get_by_text("More about your pain").click()
    page.locator("#pain_worst-group").get_by_role("radio", name="9", exact=True).check()
    page.get_by_text("Symptoms", exact=True).click()
    page.get_by_role("checkbox", name="Burning pain").check()
    page.get_by_text("Where it hurts").click()
    page.get_by_role("checkbox", name="Right hand", exact=True).check()
    page.get_by_text("Sleep", exact=True).click()
    page.fill("#sleep_hours", "5.5")
    page.get_by_text("Side effects", exact=True).click()
    page.locator("fieldset", has_text="Nausea").get_by_role("radio", name="Moderate").check()
    page.get_by_text("Note", exact=True).click()
    page.fill("#note", "Walked to the shop.")
    page.get_by_role("button", name="Save").last.click()
    expect(page.locator("#save-status")).to_have_text("Sent")
    [entry] = _entries(app, patient)
    assert (entry.pain, entry.pain_worst, entry.sleep_hours) == (7, 9, 5.5)
    assert entry.symptoms == ["burning"] and entry.body_sites == ["right_hand"]
    assert entry.side_effects == {"nausea": 2}
    assert entry.note == "Walked to the shop."
    # The browser's moment of saving is kept, not the server's moment of receiving it.
    assert entry.recorded_at == saved_at
    assert page.js_errors == []


def test_offline_entries_survive_a_reload_and_sync_once(app, page, context, make):
    patient = make.patient()
    sign_in(page, patient)
    _wait_for_service_worker(page)
    page.reload()  # now served through the service worker, which keeps /diary
    context.set_offline(True)
    for n, pain in enumerate(("3", "8"), start=1):
        page.locator("#pain-group").get_by_role("radio", name=pain, exact=True).check()
        page.get_by_role("button", name="Save").first.click()
        expect(page.locator("#outbox .outbox__item")).to_have_count(n)
        expect(page.locator("#save-status")).to_contain_text(WAITING)
    assert _entries(app, patient) == []
    page.reload()
    items = page.locator("#outbox .outbox__item")
    items.first.wait_for()
    expect(items).to_have_count(2)  # the list renders its items one by one
    assert page.locator("#outbox").inner_text().count("Waiting to sync") == 2
    context.set_offline(False)
    expect(page.locator("#outbox-section")).to_be_hidden()
    stored = _entries(app, patient)
    assert sorted(e.pain for e in stored) == [3, 8]
    # Reload again online: nothing is sent twice.
    page.reload()
    page.wait_for_load_state("networkidle")
    assert len(_entries(app, patient)) == 2


def test_the_diary_works_offline_from_what_the_worker_installed(app, page, context, make):
    """The first page this phone opens is the diary (signed in already), and the connection
    goes once the worker is installed: the diary and every one of its scripts come from what
    the worker cached at install, and a save waits in the outbox until the connection is
    back. (Signing in through /login would let the worker see the diary's scripts load.)"""
    patient = make.patient()
    answer = context.request.post(
        "/api/v1/auth/login", data={"email": patient.email, "password": PASSWORD}
    )
    assert answer.status == 200
    page.goto("/diary")
    _wait_for_service_worker(page)
    context.set_offline(True)
    page.reload()
    page.locator("#pain-group").get_by_role("radio", name="6", exact=True).check()
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("#save-status")).to_contain_text(WAITING)
    expect(page.locator("#outbox .outbox__item")).to_have_count(1)
    assert _entries(app, patient) == []
    context.set_offline(False)
    expect(page.locator("#outbox-section")).to_be_hidden()
    assert [e.pain for e in _entries(app, patient)] == [6]
    assert page.js_errors == []


def test_outbox_records_belong_to_the_user_who_saved_them(app, page, context, make):
    first, second = make.patient(), make.patient()
    sign_in(page, first)
    _wait_for_service_worker(page)
    page.reload()
    context.set_offline(True)
    page.locator("#pain-group").get_by_role("radio", name="6", exact=True).check()
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("#save-status")).to_contain_text(WAITING)
    # The session ends before the entry was sent; the next person signs in on this phone.
    context.clear_cookies()
    context.set_offline(False)
    sign_in(page, second)
    page.wait_for_load_state("networkidle")
    expect(page.locator("#outbox-section")).to_be_hidden()
    page.locator("#pain-group").get_by_role("radio", name="2", exact=True).check()
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("#save-status")).to_have_text("Sent")
    # Their own entry went through; the first person's stayed on the phone, unsent.
    assert [e.pain for e in _entries(app, second)] == [2]
    assert _entries(app, first) == []
    waiting = page.evaluate(
        "new Promise((ok) => { const r = indexedDB.open('diary'); r.onsuccess = () =>"
        " { const q = r.result.transaction('outbox').objectStore('outbox').getAll();"
        " q.onsuccess = () => ok(q.result.map((x) => [x.userId, x.entry.pain])); }; })"
    )
    assert waiting == [[str(first.id), 6]]


def test_service_worker_and_manifest(page, make):
    sign_in(page, make.patient())
    _wait_for_service_worker(page)
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope.endswith("/")
    manifest = page.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json())"
    )
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/diary"
    assert manifest["name"] and manifest["theme_color"]
    purposes = {icon.get("purpose", "any") for icon in manifest["icons"]}
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert "maskable" in purposes and {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        status = page.evaluate(f"fetch({json.dumps(icon['src'])}).then((r) => r.status)")
        assert status == 200, icon["src"]


def test_offline_page_is_shown_for_an_uncached_page(page, context, make):
    sign_in(page, make.patient())
    _wait_for_service_worker(page)
    context.set_offline(True)
    page.goto("/diary/trends")
    assert "offline" in page.locator("h1").inner_text().lower()


def test_no_serious_accessibility_violations(page, make):
    patient = make.patient()
    make.entry(patient, make.days_ago(1), 5, note="A note")
    sign_in(page, patient)
    for section in page.locator("details.section").all():
        section.evaluate("el => { el.open = true; }")
    assert serious_violations(page) == []
    page.goto("/diary/history")
    assert serious_violations(page) == []
    page.goto("/diary/trends")
    page.locator("#pain-chart svg.trend-chart").wait_for()
    page.locator("#trend-numbers").evaluate("el => { el.open = true; }")
    assert serious_violations(page) == []


TAP_TARGETS = """
() => {
  const small = [];
  const seen = new Set();
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(selector)) {
    const target = el.closest('label') || el;
    if (seen.has(target)) continue;
    seen.add(target);
    const r = target.getBoundingClientRect();
    const style = getComputedStyle(target);
    if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
    if (target.classList.contains('sr-only')) continue;
    if (r.width < 44 || r.height < 44) {
      small.push(`${target.outerHTML.slice(0, 80)} ${r.width}x${r.height}`);
    }
  }
  return small;
}
"""


def test_every_tap_target_is_at_least_44_px(page, make):
    patient = make.patient()
    make.entry(patient, make.days_ago(1), 5)
    sign_in(page, patient)
    for section in page.locator("details.section").all():
        section.evaluate("el => { el.open = true; }")
    assert page.evaluate(TAP_TARGETS) == []
    page.goto("/diary/history")
    assert page.evaluate(TAP_TARGETS) == []


def test_trends_chart_is_drawn_without_csp_refusals(page, make):
    """The server draws the chart as SVG: it shows with the page, no script runs for it, and
    the browser refuses nothing under the CSP (no inline style in it)."""
    patient = make.patient()
    for days_ago, pain in ((1, 4), (2, 6), (3, 5)):
        make.entry(patient, make.days_ago(days_ago), pain)
    make.infusion(patient, None, make.days_ago(2))
    sign_in(page, patient)
    page.goto("/diary/trends")
    chart = page.locator("#pain-chart svg.trend-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("[data-series='now'] circle")).to_have_count(3)
    expect(chart.locator(".trend-chart__infusion")).to_have_count(1)
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 150  # drawn at the phone's width
    assert page.evaluate("() => typeof window.Plotly") == "undefined"
    page.get_by_role("link", name="90 days").click()
    expect(page.locator("h1")).to_have_text("Your pain, last 90 days")
    expect(page.locator("#pain-chart svg.trend-chart [data-series='now'] circle")).to_have_count(3)
    assert page.js_errors == []


def test_background_sync_sends_the_outbox_with_no_diary_page_open(app, page, context, make):
    """Closing the diary while offline loses nothing: when the connection returns, Chromium
    fires the `outbox-sync` registration and the service worker itself sends the entry. No
    diary script runs (the tab shows /offline, which only loads app.js, and app.js never
    sends)."""
    patient = make.patient()
    sign_in(page, patient)
    _wait_for_service_worker(page)
    page.reload()
    context.set_offline(True)
    page.locator("#pain-group").get_by_role("radio", name="5", exact=True).check()
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("#save-status")).to_contain_text(WAITING)
    page.goto("/offline")  # served from the cache
    expect(page.locator("h1")).to_have_text("You are offline")
    assert _entries(app, patient) == []
    context.set_offline(False)
    for _ in range(100):
        if _entries(app, patient):
            break
        page.wait_for_timeout(100)
    assert [e.pain for e in _entries(app, patient)] == [5]
    outbox = page.evaluate(
        "new Promise((ok) => { const r = indexedDB.open('diary'); r.onsuccess = () =>"
        " { const q = r.result.transaction('outbox').objectStore('outbox').count();"
        " q.onsuccess = () => ok(q.result); }; })"
    )
    assert outbox == 0


def test_the_entry_keeps_the_phones_time_zone(app, browser, live_server, make):
    """A patient registered in London logs from a phone set to Auckland: the entry (sent
    through the outbox) keeps the phone's zone, Pacific/Auckland, from the browser's Intl."""
    patient = make.patient(timezone="Europe/London")
    context = browser.new_context(
        base_url=live_server, viewport={"width": 390, "height": 844}, timezone_id="Pacific/Auckland"
    )
    try:
        page = context.new_page()
        sign_in(page, patient)
        page.get_by_role("radio", name="6", exact=True).first.check()
        page.get_by_role("button", name="Save").first.click()
        expect(page.locator("#save-status")).to_have_text("Sent")
    finally:
        context.close()
    [entry] = _entries(app, patient)
    assert (entry.pain, entry.timezone) == (6, "Pacific/Auckland")
