"""The phone's outbox, continued (issue 13; tests/browser/test_outbox.py has the wrong patient,
the wrong day and signing out): clear states, slow or dead connections, one sender at a time.

Where a server answer cannot be made for real (a 500, a connection that never answers, a 409),
Playwright's routing stands in for the network; those contexts block the service worker so the
page's own requests are the ones routed."""

from __future__ import annotations

import json
import threading

from playwright.sync_api import expect

from tests.browser.conftest import sign_in, wait_for_service_worker
from tests.browser.test_outbox import (
    OUTBOX,
    WAITING,
    _cache_the_diary,
    _entries,
    _save,
    _tap_pain,
    _wait_for_rows,
)

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
