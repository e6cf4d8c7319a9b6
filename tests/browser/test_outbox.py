"""The phone's outbox on a shared phone, a stale tab, a bad connection and overnight (issue 13):
never the wrong patient or the wrong day, and always saying what it is doing.

Where a server answer cannot be made for real (a 500, a connection that never answers, a 409),
Playwright's routing stands in for the network; those contexts block the service worker so the
page's own requests are the ones routed."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from diary.extensions import db
from diary.models import Entry
from tests.browser.conftest import sign_in, wait_for_service_worker

LONDON = ZoneInfo("Europe/London")
WAITING = "Saved on this phone - waiting to sync"

OUTBOX = (
    "new Promise((ok) => { const r = indexedDB.open('diary'); r.onsuccess = () =>"
    " { const q = r.result.transaction('outbox').objectStore('outbox').getAll();"
    " q.onsuccess = () => ok(q.result.map((x) => ({id: x.id, userId: x.userId,"
    " pain: x.entry.pain, day: x.entry.day, state: x.state}))); }; })"
)


def _entries(app, patient) -> list[Entry]:
    with app.app_context():
        query = select(Entry).where(Entry.patient_id == patient.id).order_by(Entry.recorded_at)
        return list(db.session.scalars(query))


def _wait_for_rows(app, patient, count: int, page) -> list[Entry]:
    for _ in range(100):
        rows = _entries(app, patient)
        if len(rows) >= count:
            return rows
        page.wait_for_timeout(100)
    return _entries(app, patient)


def _tap_pain(page, value: str, group: str = "pain") -> None:
    page.locator(f"#{group}-group").get_by_role("radio", name=value, exact=True).check()


def _save(page) -> None:
    page.get_by_role("button", name="Save").first.click()


def _cache_the_diary(page) -> None:
    """Let the service worker take the page, then load /diary through it (it keeps a copy)."""
    wait_for_service_worker(page)
    page.reload()
    page.wait_for_load_state("networkidle")


# ---- 1. Wrong patient ---------------------------------------------------------------------


def test_two_tabs_on_a_shared_phone_store_a_waiting_entry_under_its_owner_only(
    app, new_phone, make
):
    """A's /diary tab keeps an unsent entry; A's session ends and B signs in in another tab.
    A's tab locks as soon as the other tab changes user, and the entry is stored under A only
    once A signs in again. (Before: A's tab sent it on the next reconnect with B's session, and
    it was stored under B.)"""
    a, b = make.patient(display_name="Alex"), make.patient(display_name="Bo")
    phone = new_phone(service_workers="block")
    tab_a = phone.new_page()
    sign_in(tab_a, a)
    tab_a.route("**/api/v1/entries", lambda route: route.abort())  # a connection blip
    _tap_pain(tab_a, "6")
    _save(tab_a)
    expect(tab_a.locator("#save-status")).to_contain_text(WAITING)
    tab_a.unroute("**/api/v1/entries")

    phone.clear_cookies()  # A's session ends (it expired); B signs in in a new tab
    tab_b = phone.new_page()
    sign_in(tab_b, b)
    expect(tab_b.locator("h1")).to_have_text("How is today?")
    # The connection comes back; A's stale tab must not send with B's session.
    phone.set_offline(True)
    phone.set_offline(False)
    tab_b.wait_for_load_state("networkidle")
    tab_a.wait_for_timeout(1000)
    assert [e.pain for e in _entries(app, b)] == []
    assert _entries(app, a) == []
    expect(tab_a.locator("#locked")).to_contain_text("Sign in")
    expect(tab_a.locator("#entry-form")).to_have_count(0)
    assert [(r["userId"], r["pain"]) for r in tab_b.evaluate(OUTBOX)] == [(str(a.id), 6)]
    # B's own tab shows none of A's waiting entries.
    expect(tab_b.locator("#outbox-section")).to_be_hidden()

    # B signs out, A signs in again: now it is sent, under A.
    tab_b.get_by_role("button", name="Sign out").click()
    tab_b.wait_for_url("**/login")
    sign_in(tab_b, a)
    expect(tab_b.locator("#outbox-section")).to_be_hidden()
    assert [e.pain for e in _wait_for_rows(app, a, 1, tab_b)] == [6]
    assert _entries(app, b) == []


def test_a_send_the_server_refuses_as_someone_elses_locks_the_page_and_keeps_the_entry(
    app, new_phone, make
):
    """When the server answers 409 owner_mismatch (the session is another user's), the tab
    locks and the entry stays on the phone for its owner, never marked as refused."""
    patient = make.patient()
    phone = new_phone(service_workers="block")
    page = phone.new_page()
    sign_in(page, patient)
    sent_owner: list[str | None] = []

    def mismatch(route):
        sent_owner.append(route.request.headers.get("x-diary-owner"))
        body = {"error": {"code": "owner_mismatch", "message": "Someone else is signed in."}}
        route.fulfill(status=409, content_type="application/json", body=json.dumps(body))

    page.route("**/api/v1/entries", mismatch)
    _tap_pain(page, "4")
    _save(page)
    expect(page.locator("#locked")).to_be_visible()
    assert sent_owner == [str(patient.id)]
    assert [(r["pain"], r["state"]) for r in page.evaluate(OUTBOX)] == [(4, "waiting")]
    assert _entries(app, patient) == []


def test_signing_out_in_one_tab_locks_the_other_tab_at_once(context, make):
    """Two tabs of A's diary; A signs out in one. The other tab shows only "Sign in" without
    being touched (BroadcastChannel), before any reload."""
    patient = make.patient(display_name="Robin")
    make.entry(patient, datetime.now(LONDON).date(), 7, note="Private note about Robin")
    first = context.new_page()
    sign_in(first, patient)
    second = context.new_page()
    second.goto("/diary")
    expect(second.locator("#today-so-far")).to_contain_text("Pain 7 out of 10")
    first.get_by_role("button", name="Sign out").click()
    first.wait_for_url("**/login")
    expect(second.locator("#locked")).to_contain_text("Sign in")
    assert "Pain 7" not in second.locator("body").inner_text()
    assert "Robin" not in second.locator("body").inner_text()


# ---- 2. Wrong day ---------------------------------------------------------------------------


def test_a_page_cached_yesterday_files_today_on_the_phones_today(app, new_phone, make, monkeypatch):
    """The diary page is cached on day D (server and phone agree it is D) and opened offline on
    D+1: "Today" is D+1, "Yesterday" is D, and the entry saved with the default is stored on
    D+1. (Before: the cached page kept D as "Today" and filed the entry a day early.)"""
    import diary.services.local_time as server_time

    now = datetime.now(UTC)
    day_before = now - timedelta(days=1)
    day_d, day_d1 = day_before.astimezone(LONDON).date(), now.astimezone(LONDON).date()
    patient = make.patient(timezone="Europe/London")
    phone = new_phone(timezone_id="Europe/London")
    page = phone.new_page()
    monkeypatch.setattr(server_time, "utcnow", lambda: day_before)
    page.clock.set_fixed_time(day_before)
    sign_in(page, patient)
    _cache_the_diary(page)
    expect(page.locator("input[name=day][data-days-ago='0']")).to_have_value(day_d.isoformat())

    monkeypatch.undo()  # the server's clock is right again
    page.clock.set_fixed_time(now)  # the phone wakes up on D+1
    phone.set_offline(True)
    page.reload()  # the cached copy made on D
    today = page.locator("input[name=day][data-days-ago='0']")
    expect(today).to_have_value(day_d1.isoformat())
    expect(today).to_be_checked()
    expect(page.locator("input[name=day][data-days-ago='1']")).to_have_value(day_d.isoformat())
    expect(page.locator("#today-list")).to_be_hidden()  # D's "Today so far" is not today's
    _tap_pain(page, "5")
    _save(page)
    expect(page.locator("#save-status")).to_contain_text(WAITING)
    phone.set_offline(False)
    [entry] = _wait_for_rows(app, patient, 1, page)
    assert (entry.pain, entry.day) == (5, day_d1)


def test_the_days_move_on_at_midnight_while_the_page_stays_open(new_phone, make):
    """The page is open at 23:59:30 on the phone; one minute later "Today" is the new day and
    "Yesterday" the old one, without a reload. (Before: the page kept the day it opened on.)"""
    patient = make.patient(timezone="Europe/London")
    phone = new_phone(timezone_id="Europe/London")
    page = phone.new_page()
    today = datetime.now(LONDON).date()
    page.clock.install(time=datetime(today.year, today.month, today.day, 23, 59, 30, tzinfo=LONDON))
    sign_in(page, patient)
    chip = page.locator("input[name=day][data-days-ago='0']")
    expect(chip).to_have_value(today.isoformat())
    page.clock.run_for(60_000)
    tomorrow = today + timedelta(days=1)
    expect(chip).to_have_value(tomorrow.isoformat())
    expect(page.locator("input[name=day][data-days-ago='1']")).to_have_value(today.isoformat())


def test_a_page_left_open_overnight_takes_the_new_day_when_it_wakes(new_phone, make):
    """The page was opened yesterday and the phone slept: when the page becomes visible again,
    "Today" is the phone's today."""
    patient = make.patient(timezone="Europe/London")
    phone = new_phone(timezone_id="Europe/London")
    page = phone.new_page()
    now = datetime.now(UTC)
    page.clock.set_fixed_time(now - timedelta(days=1))  # the evening before, on the phone
    sign_in(page, patient)
    chip = page.locator("input[name=day][data-days-ago='0']")
    yesterday = (now - timedelta(days=1)).astimezone(LONDON).date()
    expect(chip).to_have_value(yesterday.isoformat())
    page.clock.set_fixed_time(now)  # the next morning the phone wakes, the page shows again
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(chip).to_have_value(now.astimezone(LONDON).date().isoformat())


# ---- 3. Offline sign-out, expired session ---------------------------------------------------


def test_signing_out_offline_leaves_nothing_of_the_patient_visible(app, page, context, make):
    """Offline, "Sign out" shows only "Sign in": no diary, no entries, no waiting entry; the
    cached pages are gone, so /diary offline shows the same. Back online the server is told
    (the session has ended), and the waiting entry is sent when its owner signs in again.
    (Before: the browser's "no internet" page, and the cached diary still showed.)"""
    patient = make.patient(display_name="Robin")
    make.entry(patient, datetime.now(LONDON).date(), 7, note="Private note about Robin")
    sign_in(page, patient)
    page.goto("/diary/history")
    page.goto("/diary")
    _cache_the_diary(page)
    page.goto("/diary/history")
    page.goto("/diary")
    expect(page.locator("#today-so-far")).to_contain_text("Pain 7 out of 10")
    context.set_offline(True)
    _tap_pain(page, "3")
    _save(page)
    expect(page.locator("#save-status")).to_contain_text(WAITING)

    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("h1")).to_have_text("You are signed out")
    body = page.locator("body").inner_text()
    for private in ("Pain 7", "Private note", "Robin", "Today so far", "pain 3"):
        assert private not in body
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    for path in ("/diary", "/diary/history", "/"):
        response = page.goto(path)
        expect(page.locator("h1")).to_have_text("You are signed out")
        assert "Private note" not in response.text()
    kept = page.evaluate(
        "caches.keys().then((names) => Promise.all(names.filter((n) => n.includes('pages'))"
        ".map((n) => caches.open(n).then((c) => c.keys()).then((keys) => keys.length))))"
    )
    assert sum(kept) == 0
    context.set_offline(False)
    page.goto("/diary")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)diary$"))
    assert [e.pain for e in _entries(app, patient)] == [7]  # the waiting one waits for Robin
    sign_in(page, patient)
    rows = _wait_for_rows(app, patient, 2, page)
    assert sorted(e.pain for e in rows) == [3, 7]


def test_an_expired_session_never_shows_the_cached_diary(page, context, make):
    """The session ends (cookies gone) while the phone is offline: /diary shows "Sign in", not
    the previous patient's cached page and "Today so far"."""
    patient = make.patient(display_name="Robin")
    make.entry(patient, datetime.now(LONDON).date(), 7, note="Private note about Robin")
    sign_in(page, patient)
    _cache_the_diary(page)
    context.clear_cookies()
    context.set_offline(True)
    response = page.goto("/diary")
    # Not even for a moment: the service worker does not hand out the cached page at all.
    assert "Private note" not in response.text()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    content = page.content()
    assert "Private note" not in content and "Today so far" not in content
    assert "Robin" not in content
