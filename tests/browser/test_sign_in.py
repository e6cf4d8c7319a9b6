"""Signing in with a real browser."""

from __future__ import annotations

from tests.browser.conftest import sign_in


def test_patient_signs_in_and_lands_on_the_diary(page, make):
    patient = make.patient(display_name="Robin")
    sign_in(page, patient)
    assert page.url.endswith("/diary")
    assert page.locator("h1").first.inner_text()
    assert page.js_errors == []


def test_wrong_password_is_shown_next_to_the_form(page, make):
    patient = make.patient()
    sign_in(page, patient, password="not the password")
    assert page.url.endswith("/login")
    assert "do not match" in page.locator("#login-error").inner_text()
