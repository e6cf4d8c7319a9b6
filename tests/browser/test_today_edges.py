"""The Today page on the phone, in Debian's Chromium (tests/browser/conftest.py): "Same as
yesterday" on a carer's page copies only that child's waiting entries; a fresh page on a phone
in another zone than the patient's settings is not "a copy from an earlier day"; a sent entry
joins "Today so far"; a refused save reads in words, without the fields' codes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_same_as_yesterday_on_a_carers_page_never_copies_another_childs_waiting_entry(
    new_phone, make
):
    """A carer of two children logs child B's yesterday on their phone while the connection is
    down (the entry waits in the outbox), then opens child A's page and taps "Same as
    yesterday". A had nothing logged yesterday: nothing must be copied. (yesterday.js adds
    every waiting record of the carer for that day, whichever child it is for.)"""
    child_a, child_b = make.patient(display_name="Amy"), make.patient(display_name="Ben")
    carer = make.carer(display_name="Anna")
    make.carer_link(carer, child_a)
    make.carer_link(carer, child_b)
    phone = new_phone(service_workers="block")
    page = phone.new_page()
    sign_in(page, carer)
    phone.route("**/api/v1/entries", lambda route: route.abort())  # no connection to the API
    page.goto(f"/diary/for/{child_b.id}")
    page.locator("input[name=day][data-days-ago='1']").check()
    page.locator("#pain-group").get_by_role("radio", name="6", exact=True).check()
    page.locator("details.section").evaluate_all("els => els.forEach((d) => { d.open = true; })")
    page.fill("textarea[name=medications]", "Ben's morphine 10 mg")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("#save-status")).to_contain_text("Saved on this phone")

    page.goto(f"/diary/for/{child_a.id}")
    expect(page.get_by_role("heading", name="How is today for Amy?")).to_be_visible()
    page.locator("#same-as-yesterday").click()
    expect(page.locator("#copy-status")).not_to_have_text("")
    page.locator("details.section").evaluate_all("els => els.forEach((d) => { d.open = true; })")
    assert page.locator("textarea[name=medications]").input_value() == ""
    expect(page.locator("#copy-status")).to_contain_text("nothing to copy")


def test_a_fresh_page_on_a_phone_in_another_zone_is_not_called_a_copy_from_an_earlier_day(
    new_phone, make, monkeypatch
):
    """Settings say Europe/London; the patient is in Auckland (the phone's zone), where it is
    already tomorrow. The page is loaded fresh, online: it must not say "This copy of the page
    is from an earlier day" and hide today's list. (diary-days.applyPhoneDays compares the
    server's day, in the settings zone, with the phone's day.)"""
    import diary.services.local_time as server_time

    now = datetime.now(UTC).replace(hour=23, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(server_time, "utcnow", lambda: now)
    patient = make.patient(timezone="Europe/London")
    phone = new_phone(timezone_id="Pacific/Auckland", service_workers="block")
    page = phone.new_page()
    page.clock.set_fixed_time(now)
    sign_in(page, patient)
    page.goto("/diary")
    today = now.astimezone(ZoneInfo("Pacific/Auckland")).date()
    expect(page.locator("input[name=day][data-days-ago='0']")).to_have_value(today.isoformat())
    expect(page.locator("#today-stale")).to_be_hidden()
    expect(page.locator("#today-list")).to_be_visible()


def test_a_refused_save_tells_the_patient_in_words_not_field_codes(new_phone, make):
    """The patient taps pain 5, worst 3 and least 6 (least above worst: the server refuses it)
    and Save. The status and the outbox's list say why, to the patient. Expected: a sentence
    the patient can read ("Least pain cannot be more than worst pain."). Until 7 Dec 2026: it starts
    with the API's field code, "pain_least: Least pain ..." (outbox-core.js errorMessage
    prefixes every message with its JSON field name)."""
    patient = make.patient()
    phone = new_phone(service_workers="block")
    page = phone.new_page()
    sign_in(page, patient)
    page.locator("#pain-group").get_by_role("radio", name="5", exact=True).check()
    page.get_by_text("More about your pain").click()
    page.locator("#pain_worst-group").get_by_role("radio", name="3", exact=True).check()
    page.locator("#pain_least-group").get_by_role("radio", name="6", exact=True).check()
    page.get_by_role("button", name="Save").first.click()
    status = page.locator("#save-status")
    expect(status).to_contain_text("Least pain cannot be more than worst pain")
    item = page.locator("#outbox .outbox__item")
    expect(item).to_contain_text("Least pain cannot be more than worst pain")
    shown = [status.inner_text(), item.inner_text(), page.locator("#fix-notice").inner_text()]
    assert not [text for text in shown if "pain_least" in text], shown


def test_today_so_far_counts_the_entry_just_sent(new_phone, make):
    """The patient taps pain 4 and Save; the status says "Sent". Right below, "Today so far"
    still says "Nothing saved yet today." (and a due reminder still says "today has no entry
    yet"), so the patient thinks the save failed and saves again. Expected: the list shows the
    entry just sent (or at least no longer says nothing was saved). The script never updates
    #today-list (diary.js onSubmit/reportSave; the list is rendered once by the server)."""
    patient = make.patient()
    phone = new_phone(service_workers="block")
    page = phone.new_page()
    sign_in(page, patient)
    expect(page.locator("#today-list")).to_contain_text("Nothing saved yet today.")
    page.locator("#pain-group").get_by_role("radio", name="4", exact=True).check()
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("#save-status")).to_have_text("Sent")
    expect(page.locator("#today-list")).not_to_contain_text("Nothing saved yet today.")
    expect(page.locator("#today-list")).to_contain_text("Pain 4 out of 10")
