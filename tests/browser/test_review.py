"""The review page draws its plotly charts from the local bundle, under the CSP; the pre-visit
summary prints on one or two A4 pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import serious_violations, sign_in


def _patient_with_history(make):
    clinician, patient = make.clinician(), make.patient(display_name="Robin", timezone="UTC")
    make.link(clinician, patient)
    today = datetime.now(UTC).date()
    for i in range(60):
        make.entry(
            patient,
            today - timedelta(days=i),
            3 + i % 5,
            pain_worst=8,
            symptoms=["burning"],
            body_sites=["left_hand"],
            sleep_hours=6.5,
            note="Long walk, felt it afterwards" if i == 3 else None,
            side_effects={"vivid_dreams": 2} if i == 19 else {},
        )
    make.infusion(patient, clinician, today - timedelta(days=20), exam_signs=["edema"])
    make.infusion(patient, clinician, today - timedelta(days=50))
    return clinician, patient


def test_review_page_draws_the_charts(page, make):
    clinician, patient = _patient_with_history(make)
    sign_in(page, clinician)
    page.goto(f"/clinic/patients/{patient.id}")
    # pain, aligned, dose and response, safety, symptoms, body sites, sleep, side effects
    expect(page.locator(".js-plotly-plot")).to_have_count(8)
    traces = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-chart]')].map(
            el => [el.dataset.chart, (el.data || []).map(t => [t.type || 'scatter', t.name,
                                                               (t.x || []).length])]))"""
    )
    pain = {name: (kind, n) for kind, name, n in traces["pain"]}
    assert pain["Pain now (daily mean)"] == ("scatter", 90)
    assert pain["Infusion"] == ("scatter", 2)
    assert [t[1] for t in traces["aligned"] if t[1] != "Next infusion"] == [
        f"Course {n} ({(datetime.now(UTC).date() - timedelta(days=d)).isoformat()})"
        for n, d in ((1, 50), (2, 20))
    ]
    assert [t[1] for t in traces["safety"]] == [
        "Feeling unreal or detached",
        "Nausea",
        "Passing urine often, urgently, or with pain",
    ]
    assert traces["symptoms"][0][0] == "heatmap"
    # the SVG is really there: one path per line trace at least
    assert page.locator("[data-chart='pain'] .scatterlayer .trace").count() >= 3
    # the custom bundle knows exactly the traces diary draws, and came precompressed
    known = page.evaluate("() => Object.keys(Plotly.PlotSchema.get().traces).sort()")
    assert known == ["bar", "heatmap", "scatter"]
    assert page.js_errors == []


def test_range_picker_reloads_with_the_chosen_period(page, make):
    clinician, patient = _patient_with_history(make)
    sign_in(page, clinician)
    page.goto(f"/clinic/patients/{patient.id}")
    page.click(".range-picker >> text=30 days")
    # pain, aligned, dose and response, safety, symptoms, body sites, sleep, side effects
    expect(page.locator(".js-plotly-plot")).to_have_count(8)
    assert page.url.endswith("range=30")
    n = page.evaluate("() => document.querySelector(\"[data-chart='pain']\").data[0].x.length")
    assert n == 30
    assert page.js_errors == []


def test_report_prints_on_one_or_two_a4_pages(page, make):
    clinician, patient = _patient_with_history(make)
    sign_in(page, clinician)
    page.goto(f"/clinic/patients/{patient.id}/report")
    expect(page.locator(".js-plotly-plot")).to_have_count(2)
    assert page.js_errors == []
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=False)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 2, pages


def test_clinic_pages_have_no_serious_accessibility_violations(page, make):
    clinician, patient = _patient_with_history(make)
    sign_in(page, clinician)
    assert serious_violations(page) == []  # the dashboard
    for path in ("", "/report", "/infusions", "/infusions/new"):
        page.goto(f"/clinic/patients/{patient.id}{path}")
        page.wait_for_load_state("networkidle")
        assert serious_violations(page) == [], path
