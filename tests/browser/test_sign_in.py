"""Signing in with a real browser."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_patient_signs_in_and_lands_on_the_diary(page, make):
    patient = make.patient(display_name="Robin")
    sign_in(page, patient)
    assert page.url.endswith("/diary")
    # The diary's own page, not an error page at its address: its question, the pain scale,
    # and the patient's navigation with Today as the current page.
    expect(page.locator("h1")).to_have_text(["How is today?"])
    expect(page.locator("#pain-group").get_by_role("radio")).to_have_count(11)
    expect(page.locator(".site-nav a[aria-current=page]")).to_have_text("Today")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.js_errors == []


def test_wrong_password_is_shown_next_to_the_form(page, make):
    patient = make.patient()
    sign_in(page, patient, password="not the password")
    assert page.url.endswith("/login")
    assert "do not match" in page.locator("#login-error").inner_text()
