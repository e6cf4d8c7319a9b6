"""The phone's outbox on a shared phone, a stale tab, a bad connection and overnight (issue 13):
never the wrong patient or the wrong day, and always saying what it is doing.

Where a server answer cannot be made for real (a 500, a connection that never answers, a 409),
Playwright's routing stands in for the network; those contexts block the service worker so the
page's own requests are the ones routed."""

from __future__ import annotations

import json
import re
import threading
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


# ---- 4. Clear states --------------------------------------------------------------------------


def test_back_online_with_the_session_gone_asks_to_sign_in(new_phone, make):
    """The server no longer knows the session (only its cookie is gone; the phone still thinks
    it is signed in): back online the page says to sign in, not just "Waiting to sync"."""
    patient = make.patient()
    phone = new_phone(service_workers="block")
    page = phone.new_page()
    sign_in(page, patient)
    phone.set_offline(True)
    _tap_pain(page, "5")
    _save(page)
    expect(page.locator("#save-status")).to_contain_text(WAITING)
    phone.clear_cookies(name="session")
    phone.clear_cookies(name="diary_remember")
    phone.set_offline(False)
    expect(page.locator("main")).to_contain_text("Sign in")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def test_a_server_answering_500_is_told_apart_from_no_connection(app, new_phone, make):
    """Every send gets a 500: the page says the server has a problem and the entry is safe on
    the phone (not "waiting to sync" as if offline), and keeps it."""
    patient = make.patient()
    phone = new_phone(service_workers="block")
    page = phone.new_page()
    sign_in(page, patient)
    body = {"error": {"code": "internal_error", "message": "Something went wrong."}}
    page.route(
        "**/api/v1/entries",
        lambda route: route.fulfill(
            status=500, content_type="application/json", body=json.dumps(body)
        ),
    )
    _tap_pain(page, "6")
    _save(page)
    status = page.locator("#save-status")
    expect(status).to_contain_text("The server has a problem")
    expect(status).to_contain_text("safe on this phone")
    expect(page.locator("#outbox-status")).to_contain_text("The server has a problem")
    expect(page.locator("#outbox .outbox__item")).to_contain_text("the server has a problem")
    assert [r["pain"] for r in page.evaluate(OUTBOX)] == [6]


def test_a_refused_entry_is_fixed_in_the_form_and_resent(app, page, context, make):
    """Saved offline with least pain above worst pain, the entry is refused (422) when the
    connection returns. "Fix and resend" opens it in the form with its values and the server's
    message; the fixed entry is sent under the same id and the outbox empties."""
    patient = make.patient()
    sign_in(page, patient)
    context.set_offline(True)
    _tap_pain(page, "5")
    page.get_by_text("More about your pain").click()
    _tap_pain(page, "3", "pain_worst")
    _tap_pain(page, "6", "pain_least")
    _save(page)
    expect(page.locator("#save-status")).to_contain_text(WAITING)
    [queued] = page.evaluate(OUTBOX)
    context.set_offline(False)
    item = page.locator("#outbox .outbox__item")
    expect(item).to_contain_text("Least pain cannot be more than worst pain")
    item.get_by_role("button", name="Fix and resend").click()
    expect(page.locator("#fix-notice")).to_contain_text("Least pain cannot be more than worst")
    expect(page.locator("#pain-group").get_by_role("radio", name="5", exact=True)).to_be_checked()
    least = page.locator("#pain_least-group")
    expect(least.get_by_role("radio", name="6", exact=True)).to_be_checked()
    least.get_by_role("radio", name="2", exact=True).check()
    _save(page)
    expect(page.locator("#save-status")).to_have_text("Sent")
    expect(page.locator("#outbox-section")).to_be_hidden()
    [entry] = _entries(app, patient)
    assert (entry.pain, entry.pain_worst, entry.pain_least) == (5, 3, 2)
    assert str(entry.id) == queued["id"]


def test_a_409_conflict_is_its_own_state_and_is_not_retried(app, new_phone, make):
    """A 409 (here: the id is used by another patient's entry) is shown as a conflict, is not
    sent again on reconnect, and can be sent as a new entry."""
    patient = make.patient()
    phone = new_phone(service_workers="block")
    page = phone.new_page()
    sign_in(page, patient)
    hits: list[str] = []

    def conflict(route):
        hits.append(route.request.method)
        body = {"error": {"code": "conflict", "message": "This entry id is already in use."}}
        route.fulfill(status=409, content_type="application/json", body=json.dumps(body))

    page.route("**/api/v1/entries", conflict)
    _tap_pain(page, "8")
    _save(page)
    item = page.locator("#outbox .outbox__item")
    expect(item).to_contain_text("conflict: This entry id is already in use.")
    expect(item).to_have_attribute("data-state", "conflict")
    phone.set_offline(True)
    phone.set_offline(False)  # a reconnect sends what waits; a conflict does not wait
    page.reload()
    expect(item).to_have_attribute("data-state", "conflict")
    page.wait_for_load_state("networkidle")
    assert hits == ["POST"]
    page.unroute("**/api/v1/entries")
    page.locator("#outbox .outbox__item").get_by_role("button", name="Send as a new entry").click()
    expect(page.locator("#outbox-section")).to_be_hidden()
    assert [e.pain for e in _entries(app, patient)] == [8]


# ---- 5. Slow or dead connections -----------------------------------------------------------
# How fast: bench/outbox.py prints the figures (tap to "Saved on this phone", /diary from the
# cache); these tests hold the behaviour, with no clock.

SENDING = "Saved on this phone - sending\u2026"


def _held_and_ended(context_or_page, pattern: str) -> tuple[list, list]:
    """Route `pattern` to a handler that keeps every request and never fulfils, continues or
    aborts it (a connection that never answers); and note every request that ends (answered or
    failed). Returns (held requests, ended requests), filled as they come; Playwright gives one
    object per request, so `in` finds a held request among the ended."""
    held: list = []
    ended: list = []
    context_or_page.on("requestfinished", lambda request: ended.append(request))
    context_or_page.on("requestfailed", lambda request: ended.append(request))
    context_or_page.route(pattern, lambda route: held.append(route.request))
    return held, ended


def _until(page, check) -> None:
    for _ in range(100):
        if check():
            return
        page.wait_for_timeout(100)


def test_saved_on_this_phone_shows_while_the_send_is_still_unanswered(new_phone, make):
    """The API never answers (the route holds every request). "Saved on this phone - sending"
    shows, and the entry is in IndexedDB, while the POST is held unanswered: no request to the
    API has been answered or has failed, so saving did not wait for the network. (Before: the
    status came only once the requests gave up, an 8 s token timeout then a 20 s send timeout;
    the wait here is well under either.) The time from tap to status: bench/outbox.py."""
    patient = make.patient()
    phone = new_phone(service_workers="block")
    page = phone.new_page()
    sign_in(page, patient)
    held, ended = _held_and_ended(page, "**/api/**")
    _tap_pain(page, "7")
    _save(page)
    status = page.locator("#save-status")
    expect(status).to_have_text(SENDING, timeout=4000)
    assert [r for r in ended if r in held] == []  # nothing it might have waited for has ended
    assert [(r["pain"], r["state"]) for r in page.evaluate(OUTBOX)] == [(7, "waiting")]
    _until(page, lambda: any(r.method == "POST" for r in held))
    [post] = [r for r in held if r.method == "POST"]
    assert post.url.endswith("/api/v1/entries") and json.loads(post.post_data)["pain"] == 7
    assert [r for r in ended if r in held] == []  # the POST is still unanswered
    expect(status).to_have_text(SENDING)


def test_diary_opens_from_the_cache_while_the_network_hangs(page, context, make):
    """/diary is cached; then the network accepts the request and never answers. The service
    worker answers the navigation with its cached copy: the form shows while the worker's
    request to the network is still held, unanswered. (Before: network first with no time
    limit, the page never opened.) How soon it opens: bench/outbox.py."""
    patient = make.patient()
    sign_in(page, patient)
    _cache_the_diary(page)
    hung, ended = _held_and_ended(context, "**/diary")
    response = page.goto("/diary", wait_until="domcontentloaded", timeout=8000)
    expect(page.locator("#entry-form")).to_be_visible()
    assert response.from_service_worker
    assert response.url.endswith("/diary")
    assert [r.url for r in hung] == [response.url]  # the worker's request reached the network
    assert [r for r in ended if r in hung] == []  # and was never answered


# ---- 6. One sender at a time ---------------------------------------------------------------


def test_two_tabs_and_the_worker_send_a_waiting_entry_once(app, context, make, monkeypatch):
    """Two diary tabs and the service worker all wake when the connection returns; the entry is
    POSTed once (a Web Lock makes them take turns, and each reads the outbox inside it).
    (Before: each tab and the worker sent it, two or three POSTs.)"""
    posts: list[str] = []
    lock = threading.Lock()
    inner = app.wsgi_app

    def counting(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/api/v1/entries":
            with lock:
                posts.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    monkeypatch.setattr(app, "wsgi_app", counting)
    patient = make.patient()
    first = context.new_page()
    sign_in(first, patient)
    _cache_the_diary(first)
    second = context.new_page()
    second.goto("/diary")
    wait_for_service_worker(second)
    context.set_offline(True)
    _tap_pain(first, "4")
    _save(first)
    expect(first.locator("#save-status")).to_contain_text(WAITING)
    context.set_offline(False)
    _wait_for_rows(app, patient, 1, first)
    expect(first.locator("#outbox-section")).to_be_hidden()
    first.wait_for_timeout(2000)  # let any other sender finish
    assert [e.pain for e in _entries(app, patient)] == [4]
    assert len(posts) == 1
