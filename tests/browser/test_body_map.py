"""The body map and "same as yesterday" on a phone (390 x 844, touch), in Chromium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from diary.extensions import db
from diary.models import Entry, UsualMedication
from tests.browser.conftest import serious_violations, sign_in
from tests.browser.test_diary import TAP_TARGETS


def _entries(app, patient) -> list[Entry]:
    with app.app_context():
        query = select(Entry).where(Entry.patient_id == patient.id).order_by(Entry.recorded_at)
        return list(db.session.scalars(query))


def test_body_map_chooses_regions_in_taps_and_passes_axe(app, page, make):
    """Open "Where it hurts", tap the box "Left elbow", tap the right knee on the front figure
    (the person's right is on the viewer's left): both are ticked and shaded; pain, Save, and
    the entry holds the two regions. Every control of the map is at least 44 x 44 px, and axe
    finds nothing serious on the form with the map open."""
    patient = make.patient()
    sign_in(page, patient)
    page.get_by_text("Where it hurts").tap()
    body_map = page.locator("[data-bodymap]")
    expect(body_map).to_be_visible()
    within_map = TAP_TARGETS.replace("document.querySelectorAll", "root.querySelectorAll")
    assert body_map.evaluate(within_map.replace("() =>", "(root) =>")) == []

    page.get_by_role("checkbox", name="Left elbow", exact=True).tap()
    page.locator(".bodymap__figure").first.locator('[data-region="right_knee"]').tap()
    expect(page.get_by_role("checkbox", name="Left elbow", exact=True)).to_be_checked()
    expect(page.get_by_role("checkbox", name="Right knee", exact=True)).to_be_checked()
    expect(page.locator(".bodymap__region.is-chosen[data-region='right_knee']")).to_have_count(2)
    expect(page.locator(".bodymap__region.is-chosen[data-region='left_elbow']")).to_have_count(2)
    expect(page.locator(".bodymap__region.is-chosen")).to_have_count(4)
    assert serious_violations(page) == []

    page.locator("#pain-group").get_by_role("radio", name="6", exact=True).check()
    page.get_by_role("button", name="Save").first.tap()
    expect(page.locator("#save-status")).to_have_text("Sent")
    [entry] = _entries(app, patient)
    assert sorted(entry.body_sites) == ["left_elbow", "right_knee"]
    # the form is cleared for the next entry, the figure too
    expect(page.locator(".bodymap__region.is-chosen")).to_have_count(0)
    assert page.js_errors == []


def test_review_body_map_passes_axe(page, make):
    clinician, patient = make.clinician(), make.patient()
    make.link(clinician, patient)
    for days_ago, sites in ((1, ["right_hand"]), (40, ["right_hand", "left_hand"])):
        make.entry(patient, make.days_ago(days_ago), 5, body_sites=sites)
    sign_in(page, clinician)
    page.goto(f"/clinic/patients/{patient.id}")
    expect(page.locator("#body-map .bodymap__figure")).to_have_count(2)
    # as drawn: right hand on both diary days (100 %: darkest), left hand on 1 of 2 (50 %)
    fill = "el => getComputedStyle(el).fill"
    shapes = page.locator("#body-map .bodymap__figure").first
    assert shapes.locator('[data-region="right_hand"]').evaluate(fill) == "rgb(138, 31, 15)"
    assert shapes.locator('[data-region="left_hand"]').evaluate(fill) == "rgb(217, 87, 43)"
    assert shapes.locator('[data-region="left_foot"]').evaluate(fill) == "rgb(255, 255, 255)"
    page.locator("#bodymap-table summary").click()
    expect(page.locator("#bodymap-table table")).to_be_visible()
    assert serious_violations(page) == []
    assert page.js_errors == []


def test_same_as_yesterday_fills_the_fields_and_leaves_pain_unchosen(app, page, make):
    """Yesterday's entry: burning pain, left hand, "gabapentin 300 mg" (one of the usual
    medications) and "ibuprofen 200 mg", pain 8. One tap: the symptom, the body site and the
    usual medication are ticked, ibuprofen is in the text box, no pain is chosen; offline too
    (the page carries what it needs)."""
    patient = make.patient(timezone="UTC")
    with app.app_context():
        db.session.add(UsualMedication(patient_id=patient.id, name="gabapentin", dose="300 mg"))
        db.session.commit()
    make.entry(
        patient,
        datetime.now(UTC).date() - timedelta(days=1),
        8,
        symptoms=["burning"],
        body_sites=["left_hand"],
        medications=["gabapentin 300 mg", "ibuprofen 200 mg"],
    )
    sign_in(page, patient)
    page.context.set_offline(True)
    page.get_by_role("button", name="Same as yesterday").tap()
    expect(page.locator("#copy-status")).to_contain_text("Copied from")
    expect(page.get_by_role("checkbox", name="Burning pain")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Left hand", exact=True)).to_be_checked()
    expect(page.get_by_role("checkbox", name="gabapentin 300 mg")).to_be_checked()
    expect(page.locator("#medications")).to_have_value("ibuprofen 200 mg")
    expect(page.locator("#pain-group input:checked")).to_have_count(0)
    expect(page.locator(".bodymap__region.is-chosen[data-region='left_hand']")).to_have_count(2)
    assert page.js_errors == []


def test_same_as_yesterday_copies_an_entry_still_waiting_on_the_phone(app, page, make):
    """Offline, the patient logs yesterday (swelling, right foot, pain 5): it waits in the
    outbox. Then, for today, "Same as yesterday" copies it from the outbox; pain stays unchosen."""
    patient = make.patient(timezone="UTC")
    sign_in(page, patient)
    page.context.set_offline(True)
    page.get_by_role("radio", name="Yesterday").check()
    page.locator("#pain-group").get_by_role("radio", name="5", exact=True).check()
    page.get_by_text("Symptoms", exact=True).tap()
    page.get_by_role("checkbox", name="Swelling", exact=True).check()
    page.get_by_text("Where it hurts").tap()
    page.get_by_role("checkbox", name="Right foot", exact=True).check()
    page.get_by_role("button", name="Save").first.tap()
    expect(page.locator("#save-status")).to_contain_text("Saved on this phone")
    expect(page.get_by_role("checkbox", name="Swelling", exact=True)).not_to_be_checked()
    expect(page.get_by_role("radio", name="Today")).to_be_checked()

    page.get_by_role("button", name="Same as yesterday").tap()
    expect(page.get_by_role("checkbox", name="Swelling", exact=True)).to_be_checked()
    expect(page.get_by_role("checkbox", name="Right foot", exact=True)).to_be_checked()
    expect(page.locator("#pain-group input:checked")).to_have_count(0)
    assert _entries(app, patient) == []
    assert page.js_errors == []


def test_usual_medications_page_on_a_phone(app, page, make):
    """Add a medication with its dose on the page, then tick it on the diary form and save: the
    entry's medications hold its line. The page passes axe and its targets are 44 px."""
    patient = make.patient()
    sign_in(page, patient)
    page.goto("/diary/medications")
    page.fill("#new-name", "Gabapentin")
    page.fill("#new-dose", "300 mg")
    page.get_by_role("button", name="Add").tap()
    expect(page.locator(".flash--ok")).to_contain_text("Gabapentin 300 mg")
    assert serious_violations(page) == []
    assert page.evaluate(TAP_TARGETS) == []
    page.goto("/diary")
    page.get_by_role("checkbox", name="Gabapentin 300 mg").check()
    page.locator("#pain-group").get_by_role("radio", name="3", exact=True).check()
    page.get_by_role("button", name="Save").first.tap()
    expect(page.locator("#save-status")).to_have_text("Sent")
    [entry] = _entries(app, patient)
    assert entry.medications == ["Gabapentin 300 mg"]
    assert page.js_errors == []
