"""A parent or carer on a phone (390x844): signs in, logs a day for their patient, and the entry
appears in the patient's history with the carer's name; another patient's diary and the clinic's
pages answer 404. On a shared phone the outbox keeps a carer's entry for the carer."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from diary.extensions import db
from diary.models import Entry
from tests.browser.conftest import serious_violations, sign_in, wait_for_service_worker

WAITING = "Saved on this phone - waiting to sync"


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


def test_a_carer_logs_for_their_patient_who_sees_it_marked_with_the_carers_name(
    app, page, new_phone, make
):
    pat, olly = make.patient(display_name="Pat"), make.patient(display_name="Olly")
    cal = make.clinician()
    make.link(cal, pat)
    anna = make.carer(display_name="Anna")
    make.carer_link(anna, pat)

    sign_in(page, anna)
    assert page.url.endswith("/carer")
    expect(page.get_by_role("heading", name="Pat")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Log a day for Pat").click()
    expect(page.get_by_role("heading", name="How is today for Pat?")).to_be_visible()
    expect(page.locator("#carer-banner")).to_contain_text("You are logging for Pat")
    page.locator("#pain-group").get_by_role("radio", name="7", exact=True).check()
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("#save-status")).to_have_text("Sent")
    [entry] = _entries(app, pat)
    assert (entry.pain, entry.entered_by_id) == (7, anna.id)
    assert serious_violations(page) == []

    page.get_by_role("link", name="History").click()
    expect(page.locator(f'[data-entry-id="{entry.id}"]')).to_contain_text("Logged by Anna (carer)")

    # Another patient's diary, and the clinic's pages: 404.
    for url in (
        f"/diary/for/{olly.id}",
        f"/diary/for/{olly.id}/history",
        "/clinic",
        f"/clinic/patients/{pat.id}",
        f"/clinic/patients/{olly.id}",
        f"/clinic/patients/{pat.id}/report",
        "/admin/users",
    ):
        response = page.goto(url)
        assert response.status == 404, (url, response.status)
    assert page.js_errors == []

    patients_phone = new_phone().new_page()
    sign_in(patients_phone, pat)
    patients_phone.goto("/diary/history")
    card = patients_phone.locator(f'[data-entry-id="{entry.id}"]')
    expect(card).to_contain_text("Pain 7 out of 10")
    expect(card.locator(".badge--proxy")).to_have_text("Logged by Anna (carer)")
    assert serious_violations(patients_phone) == []


def test_a_carers_waiting_entry_is_not_sent_under_the_patients_session(app, page, context, make):
    """A shared phone: the carer saves offline for Pat, then Pat signs in on the phone. The
    record's owner is the carer, so Pat's session never sends it (it is not even shown); when the
    carer signs in again it goes to Pat's diary, marked as the carer's."""
    pat, anna = make.patient(display_name="Pat"), make.carer(display_name="Anna")
    make.carer_link(anna, pat)
    sign_in(page, anna)
    page.goto(f"/diary/for/{pat.id}")
    wait_for_service_worker(page)
    page.reload()
    context.set_offline(True)
    page.locator("#pain-group").get_by_role("radio", name="5", exact=True).check()
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("#save-status")).to_contain_text(WAITING)

    context.clear_cookies()
    context.set_offline(False)
    sign_in(page, pat)
    page.wait_for_load_state("networkidle")
    expect(page.locator("#outbox-section")).to_be_hidden()
    page.locator("#pain-group").get_by_role("radio", name="2", exact=True).check()
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("#save-status")).to_have_text("Sent")
    assert [(e.pain, e.entered_by_id) for e in _entries(app, pat)] == [(2, pat.id)]

    context.clear_cookies()
    sign_in(page, anna)
    page.goto(f"/diary/for/{pat.id}")
    rows = _wait_for_rows(app, pat, 2, page)
    assert sorted((e.pain, e.entered_by_id) for e in rows) == [(2, pat.id), (5, anna.id)]
