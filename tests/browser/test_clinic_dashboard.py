"""The clinician's dashboard in a browser: its rows (written in Python, kept with the listing)
render under the CSP with no serious accessibility violation, names escaped, and each
patient's name leads to their review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import serious_violations, sign_in


def test_dashboard_rows_link_to_the_review(page, make):
    clinician = make.clinician()
    today = datetime.now(UTC).date()
    worse = make.patient(display_name="Worse <Wren>", timezone="UTC")
    quiet = make.patient(display_name="Quiet Quinn", timezone="UTC")
    for patient in (worse, quiet):
        make.link(clinician, patient)
    for i in range(1, 8):  # baseline week of 4, then 8 since: +100%
        make.entry(worse, today - timedelta(days=10 + i), 4)
    make.infusion(worse, clinician, today - timedelta(days=10))
    for i in range(7):
        make.entry(worse, today - timedelta(days=i), 8)
        make.entry(quiet, today - timedelta(days=i), 3)
    sign_in(page, clinician)
    for _ in range(2):  # the first view writes the rows, the second reuses them
        page.goto("/clinic")
        rows = page.locator("table[data-table=patients] tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_contain_text("Worse <Wren>")
        expect(rows.nth(0).locator("td[data-label='Change vs baseline']")).to_have_text(
            "+100% (baseline 4.0)"
        )
        expect(rows.nth(1)).to_contain_text("Quiet Quinn")
    assert serious_violations(page) == []
    assert page.js_errors == []
    rows.nth(0).get_by_role("link", name="Worse <Wren>").click()
    expect(page).to_have_url(f"{page.url.split('/clinic')[0]}/clinic/patients/{worse.id}")
    expect(page.locator("h1")).to_contain_text("Worse <Wren>")
