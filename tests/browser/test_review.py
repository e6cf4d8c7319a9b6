"""The review page shows its charts, drawn as SVG on the server, under the CSP and without a
charting library (a failed charts request says so); the pre-visit summary draws its two plotly
charts from the local bundle and prints on one or two A4 pages."""

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


CHARTS = ("pain", "aligned", "dose_response", "safety", "symptoms", "body_sites", "sleep",
          "side_effects")  # fmt: skip


def _drawn(page) -> dict[str, dict]:
    """Each chart place on the page: drawn as SVG (with its title) or saying it has nothing to
    draw, its numbers table, and its series' marks (data-series -> number of marks)."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-chart]')].map(el => [
            el.dataset.chart, {
              svg: el.querySelector('svg.review-chart[role=img]') !== null,
              title: (el.querySelector('svg.review-chart > title') || {}).textContent || '',
              empty: (el.querySelector('[data-chart-empty]') || {}).textContent || '',
              table: el.querySelector('details[data-chart-table]') !== null,
              series: Object.fromEntries([...el.querySelectorAll('g[data-series]')].map(
                g => [g.dataset.series, g.querySelectorAll('[data-at]').length])),
              rules: el.querySelectorAll('line[data-at]').length,
              height: el.getBoundingClientRect().height}]))"""
    )


def test_review_page_draws_the_charts(page, make):
    clinician, patient = _patient_with_history(make)
    sign_in(page, clinician)
    page.goto(f"/clinic/patients/{patient.id}")
    page.wait_for_selector("html[data-charts=drawn]")
    drawn = _drawn(page)
    assert tuple(drawn) == CHARTS
    for name, chart in drawn.items():  # every chart drawn (or saying why not), with its numbers
        assert chart["svg"] or chart["empty"], name
        assert not chart["svg"] or (chart["title"] and chart["table"] and chart["height"] > 100)
    # pain, aligned, safety, symptoms, body sites, sleep, side effects; the infusions have no
    # rate recorded, so dose and response says it has nothing to draw
    assert [n for n, c in drawn.items() if c["svg"]] == [n for n in CHARTS if n != "dose_response"]
    assert drawn["dose_response"]["empty"] == "No course with a recorded rate."
    pain = drawn["pain"]
    assert pain["series"]["Pain now (daily mean)"] == 60  # 60 days of entries in 90
    assert pain["series"]["Infusion"] == 2 and pain["rules"] == 2
    today = datetime.now(UTC).date()
    assert [n for n in drawn["aligned"]["series"] if not n.startswith("Next")] == [
        f"Course {n} ({(today - timedelta(days=d)).isoformat()})" for n, d in ((1, 50), (2, 20))
    ]
    assert list(drawn["safety"]["series"]) == [
        "Feeling unreal or detached",
        "Nausea",
        "Passing urine often, urgently, or with pain",
    ]
    assert page.locator("#charts-status").text_content() == ""
    # no charting library on the review
    assert page.evaluate("() => typeof window.Plotly") == "undefined"
    assert [
        s for s in page.evaluate("() => [...document.scripts].map(s => s.src)") if "plotly" in s
    ] == []
    assert page.js_errors == []


def test_review_says_so_when_the_charts_request_fails(page, make):
    clinician, patient = _patient_with_history(make)
    sign_in(page, clinician)
    page.route("**/review/charts*", lambda route: route.fulfill(status=503, body="busy"))
    page.goto(f"/clinic/patients/{patient.id}")
    page.wait_for_selector("html[data-charts=drawn]")
    expect(page.locator("#charts-status")).to_contain_text("The charts could not be loaded")
    expect(page.locator("[data-chart].chart--failed")).to_have_count(len(CHARTS))
    expect(page.locator("[data-kpi=mean7]")).to_be_visible()  # the key figures are there at once
    # the failed request is the only error
    assert all("503" in e or "charts" in e for e in page.js_errors), page.js_errors


def test_range_picker_reloads_with_the_chosen_period(page, make):
    clinician, patient = _patient_with_history(make)
    sign_in(page, clinician)
    page.goto(f"/clinic/patients/{patient.id}")
    page.click(".range-picker >> text=30 days")
    page.wait_for_selector("html[data-charts=drawn]")
    assert page.url.endswith("range=30")
    drawn = _drawn(page)
    assert drawn["pain"]["series"]["Pain now (daily mean)"] == 30
    assert drawn["pain"]["series"]["Infusion"] == 1  # 20 days ago; 50 days ago is outside
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
        if path in ("", "/report"):
            page.wait_for_selector("html[data-charts=drawn]")  # the charts are checked too
        assert serious_violations(page) == [], path
    # the charts' tables, opened
    page.goto(f"/clinic/patients/{patient.id}")
    page.wait_for_selector("html[data-charts=drawn]")
    page.evaluate(
        "() => document.querySelectorAll('details.chart-data').forEach(d => d.open = true)"
    )
    page.wait_for_function(  # each table built from the charts document when opened
        """() => [...document.querySelectorAll('details.chart-data')].every(
            d => d.querySelector('table tbody tr th[scope=row]'))"""
    )
    pain = page.locator("table[data-chart-table=pain]")
    assert pain.locator("caption").inner_text() == "Pain by day"
    assert pain.locator("tbody tr").count() == 60  # the 60 days with entries
    columns = pain.locator("thead th").count()
    assert columns >= 3 and pain.locator("tbody tr").last.locator("th, td").count() == columns
    assert serious_violations(page) == []
