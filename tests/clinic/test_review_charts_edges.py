"""The review's charts and the printed report where two things share a day or a number sits
past an axis (docs/clinical.md): a course that left pain 150% worse is drawn inside the dose
and response chart; its table's best change is never rounded onto a band's edge (-29.95 is not
-30); two treatments of one day are both named; two sessions of one day are two infusions in
the pain chart's title; two check-ins of one day are both in the sleep chart's table; the
report's aligned chart leaves out a course still running, as the page's does."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from diary.extensions import db
from diary.models import Infusion, Treatment, WeeklyCheckin
from tests.clinic.charts_html import read_charts
from tests.clinic.hand_diary import ago, entries, setup, span
from tests.clinic.test_review import figures

ITEMS = ("pi_day_to_day", "pi_work_home", "pi_social", "pi_chores")


def test_a_course_that_left_pain_much_worse_is_drawn_inside_the_plot(app, client, make):
    clinician, patient = setup(make, client)
    # baseline week (days -7..-1 before the session 30 days ago): pain 2; afterwards pain 5
    entries(app, patient, span(37, 31, 2))
    entries(app, patient, span(29, 0, 5))
    make.infusion(patient, clinician, ago(30), duration_minutes=240, dose_mg=100, rate_mg_kg_h=0.5)
    body = client.get(f"/api/v1/patients/{patient.id}/review/charts?range=90").get_json()
    chart = read_charts(body)["dose_response"]
    # best = lowest 3-day mean from day +1 = 5 against a baseline of 2: +150 %
    assert chart["table"][1][3] == "150"
    assert chart["series"]["Best change (%)"]["y"] == [150]
    # ... and its diamond must be drawn inside the plot area (y between the panel's top, 16,
    # and its bottom, 300 - 48 = 252), not outside the SVG where nobody sees it.
    html = body["charts"]["dose_response"]
    group = html[html.index('data-series="Best change (%)"') :]
    ys = [float(y) for y in re.findall(r"-?[\d.]+,(-?[\d.]+)", group.split("</g>")[0])]
    assert ys, group[:400]
    assert all(16 <= y <= 252 for y in ys), ys


def test_dose_chart_best_change_is_not_rounded_onto_the_30_percent_edge(app, client, make):
    clinician, patient = setup(make, client)
    # Baseline week before the session of 30 days ago: 5 days, 7 7 7 7 and 6.5 (two entries,
    # 7 and 6): 34.5 / 5 = 6.9.
    entries(app, patient, {ago(37): 7, ago(36): 7, ago(35): 7, ago(34): 7, ago(33): [7, 6]})
    # After: pain 6, with days +10..+12 at 5, 5 and 4.5 (4 and 5): best 3-day mean 14.5 / 3.
    after = span(29, 0, 6)
    after.update({ago(20): 5, ago(19): 5})
    del after[ago(18)]
    entries(app, patient, after)
    entries(app, patient, {ago(18): [4, 5]})
    make.infusion(patient, clinician, ago(30), duration_minutes=240, dose_mg=100, rate_mg_kg_h=0.5)
    # best change = (14.5/3 - 6.9) / 6.9 = -29.9517 %: a minimal improvement (10-29 %)
    page = client.get(f"/clinic/patients/{patient.id}?range=90").get_data(as_text=True)
    best_cell = re.search(r'data-field="best">(.*?)</td>', page).group(1)
    assert "-29.95%" in best_cell, best_cell
    body = client.get(f"/api/v1/patients/{patient.id}/review/charts?range=90").get_json()
    table = read_charts(body)["dose_response"]["table"]
    assert table[0][3] == "Best change (%)"
    # the chart's table says -30 (the moderate band's edge) where the course table says -29.95
    assert table[1][3] != "-30", table


def test_two_treatments_of_one_day_are_both_in_the_pain_chart(app, client, make):
    clinician, patient = setup(make, client)
    entries(app, patient, span(29, 0, 5))
    with app.app_context():
        for kind in ("nerve_block", "physical_therapy"):
            db.session.add(
                Treatment(patient_id=patient.id, clinician_id=clinician.id, day=ago(5), kind=kind)
            )
        db.session.commit()
    body = client.get(f"/api/v1/patients/{patient.id}/review/charts?range=30").get_json()
    chart = read_charts(body)["pain"]
    head, *rows = chart["table"]
    column = head.index("Other treatment")
    cells = [row[column] for row in rows if row[column]]
    html = body["charts"]["pain"]
    # the table names both treatments of that day, and each mark's tooltip its own
    assert any("Nerve block" in c for c in cells), cells
    assert any("Physical therapy" in c for c in cells), cells
    assert "Nerve block" in html and "Physical therapy" in html


def test_pain_chart_title_counts_two_sessions_of_one_day_as_the_page_does(app, client, make):
    clinician, patient = setup(make, client)
    entries(app, patient, span(29, 0, 5))
    day = ago(10)
    make.infusion(patient, clinician, day, duration_minutes=120, dose_mg=50)
    with app.app_context():  # the afternoon session (the factory starts at 09:00 UTC)
        db.session.add(
            Infusion(
                patient_id=patient.id,
                clinician_id=clinician.id,
                started_at=datetime(day.year, day.month, day.day, 14, tzinfo=UTC),
                duration_minutes=120,
                dose_mg=50,
            )
        )
        db.session.commit()
    page = client.get(f"/clinic/patients/{patient.id}?range=30").get_data(as_text=True)
    period = re.search(r'id="period">(.*?)</p>', page).group(1)
    assert period.endswith(": 2 infusions.")
    body = client.get(f"/api/v1/patients/{patient.id}/review/charts?range=30").get_json()
    title = read_charts(body)["pain"]["title"]
    # the page says 2 infusions in the period; the chart of the same period says so too
    assert title.endswith("2 infusions marked"), title


def test_two_check_ins_of_one_day_are_both_in_the_sleep_chart_table(app, client, make):
    _clinician, patient = setup(make, client)
    entries(app, patient, span(29, 0, 5))
    with app.app_context():
        for items, pgic in (((1, 1, 1, 1), 2), ((5, 5, 5, 5), 6)):
            db.session.add(
                WeeklyCheckin(
                    id=uuid.uuid4(),
                    patient_id=patient.id,
                    day=ago(5),
                    promis_pi=dict(zip(ITEMS, items, strict=True)),
                    pgic=pgic,
                )
            )
        db.session.commit()
    body = client.get(f"/api/v1/patients/{patient.id}/review/charts?range=30").get_json()
    chart = read_charts(body)["sleep"]
    drawn = chart["series"]["PROMIS PI 4a (raw, 4-20)"]["y"]
    assert sorted(drawn) == [4, 20]  # both are drawn
    head, *rows = chart["table"]
    promis = head.index("PROMIS PI 4a (raw, 4-20)")
    tabled = [row[promis] for row in rows if row[promis]]
    assert tabled == ["4; 20"], tabled  # ... and both in the day's cell


def test_report_aligned_chart_leaves_out_a_course_still_running(app, client, make):
    clinician, patient = setup(make, client)
    entries(app, patient, span(80, 0, 6))
    make.infusion(patient, clinician, ago(60), duration_minutes=240, dose_mg=100)
    # a 5-day continuous infusion that began 2 days ago: it ends in 3 days
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    with app.app_context():
        db.session.add(
            Infusion(
                patient_id=patient.id,
                clinician_id=clinician.id,
                started_at=start,
                duration_minutes=5 * 24 * 60,
                dose_mg=500,
            )
        )
        db.session.commit()
    body = client.get(f"/api/v1/patients/{patient.id}/review/charts?range=90").get_json()
    page_lines = [r[0] for r in read_charts(body)["aligned"]["table"][1:]]
    assert page_lines == [f"Course 1 ({ago(60).isoformat()})"]
    html = client.get(f"/clinic/patients/{patient.id}/report").get_data(as_text=True)
    aligned = figures(html)["aligned"]
    report_lines = [t["name"] for t in aligned["data"] if t["name"] != "Next infusion"]
    # the report leaves out the running course too (its day 0 is three days ahead)
    assert report_lines == page_lines, report_lines
