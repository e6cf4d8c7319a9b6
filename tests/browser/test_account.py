"""The patient's settings (download my data, close my account) and the clinic's import page,
in a real browser: accessible, large enough to tap, and working end to end."""

from __future__ import annotations

import zipfile

from playwright.sync_api import expect

from tests.browser.conftest import serious_violations, sign_in
from tests.browser.test_diary import TAP_TARGETS
from tests.factories import PASSWORD
from tests.imports.test_csv_import import csv_text, fifty_rows


def test_settings_downloads_the_archive_and_closes_the_account(page, make, tmp_path):
    patient = make.patient()
    make.entry(patient, make.days_ago(1), 5, note="mine")
    sign_in(page, patient)
    page.get_by_role("link", name="Settings").click()
    expect(page.locator("h1")).to_have_text("Settings")
    assert serious_violations(page) == []
    assert page.evaluate(TAP_TARGETS) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    path = tmp_path / "archive.zip"
    download.value.save_as(path)
    assert "entries.json" in zipfile.ZipFile(path).namelist()

    page.fill("#password", "not the password")
    page.get_by_label("I understand my diary will be erased").check()
    page.get_by_role("button", name="Close my account").click()
    expect(page.locator("#password-error")).to_have_text("That is not your password.")
    page.fill("#password", PASSWORD)
    page.get_by_label("I understand my diary will be erased").check()
    page.get_by_role("button", name="Close my account").click()
    expect(page.locator("[role=status]").first).to_contain_text("Your account is closed")
    sign_in(page, patient)
    expect(page.locator("#email")).to_be_visible()  # still on the sign-in page
    assert page.js_errors == []


def test_clinic_import_page_reports_rejected_rows(page, make, tmp_path):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    sign_in(page, clinician)
    page.goto(f"/clinic/patients/{patient.id}/import")
    assert serious_violations(page) == []
    path = tmp_path / "old-diary.csv"
    path.write_text(csv_text(fifty_rows(make)), encoding="utf-8")
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-report [role=status]")).to_contain_text(
        "Stored 47 of 50 rows; 0 already there; 3 rejected."
    )
    expect(page.locator("[data-table=rejected-rows] tbody tr")).to_have_count(3)
    assert serious_violations(page) == []
    assert page.js_errors == []
