"""What the dosing decision needs, on a hand-made diary: the whole response table, dose and
response, the relief trend, outcome measures, safety over repeated courses, rescue medication,
other treatments (form, API, timeline, table), the course override on the infusion form, and
GET /responses (audited, scoped to linked patients)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import insert, select

from diary.extensions import db
from diary.models import AuditEvent, Entry, Infusion, Treatment, WeeklyCheckin
from tests.clinic.course_table import cell, raw_course_rows
from tests.clinic.test_review import kpi, review_charts
from tests.factories import login

TODAY = datetime.now(UTC).date()
# Single-session courses: days ago, relief days at pain 3, rate mg/kg/h, dose mg.
COURSES = [(100, 14, 0.3, 100.0), (70, 11, 0.4, 120.0), (40, 8, 0.5, 140.0), (10, 10, 0.6, 160.0)]


def ago(n: int) -> date:
    return TODAY - timedelta(days=n)


@pytest.fixture
def four_courses(app, make, client):
    """Four single-session courses 100, 70, 40 and 10 days ago, 30 days apart. Before each:
    pain 8 (with oxycodone listed). After each: pain 3 for 14, 11, 8 and 10 days (the last one
    up to today), then 8. Every entry has the PEG items equal to pain (PEG = pain). Dissociation
    2 the day after course 1; urinary symptoms 1 the day after course 3. A check-in with PROMIS
    raw 16 three days before course 4 and raw 8 with PGIC 2 five days after it. A nerve block 35
    days ago (in course 3's observation window). Lab notes on course 2's session."""
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    pains: dict[date, int] = {ago(n): 8 for n in range(101, 108)}
    for start, relief, _, _ in COURSES:
        for offset in range(1, 30):
            n = start - offset
            if n >= 0:
                pains[ago(n)] = 3 if offset <= relief else 8
    effects = {ago(99): {"dissociation": 2}, ago(39): {"urinary_symptoms": 1}}
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "patient_id": patient.id,
            "day": d,
            "recorded_at": datetime.combine(d, time(12), UTC),
            "pain": p,
            "pain_average": p,
            "peg_enjoyment": p,
            "peg_activity": p,
            "symptoms": [],
            "body_sites": [],
            "medications": ["oxycodone 5 mg"] if p == 8 else [],
            "side_effects": effects.get(d, {}),
            "created_at": now,
            "updated_at": now,
        }
        for d, p in pains.items()
    ]
    with app.app_context():
        db.session.execute(insert(Entry), rows)
        db.session.execute(
            insert(Infusion),
            [
                {
                    "patient_id": patient.id,
                    "clinician_id": clinician.id,
                    "started_at": datetime.combine(ago(start), time(9), UTC),
                    "duration_minutes": 240,
                    "rate_mg_kg_h": rate,
                    "dose_mg": dose,
                    "adjuncts": ["midazolam 2 mg"],
                    "pain_pre": 8,
                    "pain_post": 4,
                    "lab_notes": "ALT 80 U/L, AST 60 U/L" if start == 70 else None,
                    "exam_signs": None,
                }
                for start, _, rate, dose in COURSES
            ],
        )
        promis = {"pi_day_to_day": 4, "pi_work_home": 4, "pi_social": 4, "pi_chores": 4}
        db.session.add(WeeklyCheckin(patient_id=patient.id, day=ago(13), promis_pi=promis, pgic=4))
        promis = {"pi_day_to_day": 2, "pi_work_home": 2, "pi_social": 2, "pi_chores": 2}
        db.session.add(WeeklyCheckin(patient_id=patient.id, day=ago(5), promis_pi=promis, pgic=2))
        db.session.add(
            Treatment(
                patient_id=patient.id,
                clinician_id=clinician.id,
                day=ago(35),
                kind="nerve_block",
                description="stellate ganglion block",
            )
        )
        db.session.commit()
    login(client, clinician)
    return {"clinician": clinician, "patient": patient}


def test_relief_trend_and_dose_response(client, four_courses):
    """Relief after each course: pain 3 to day L, 8 from L+1; the 3-day mean is 4.67 on day
    L+1 and above 5.6 on L+2 and L+3: ended after L+2 = 16, 13 and 10 days; course 4 is still
    in relief (left out). Slope of 16, 13, 10 against courses 1-3: -3 days per course. The dose
    chart puts these lengths at 0.3, 0.4, 0.5 mg/kg/h, and every course's best change (3
    against 8: -62.5%) at its rate."""
    html = client.get(f"/clinic/patients/{four_courses['patient'].id}?range=all").text
    assert "Relief shortened by about 3.0 days per course over the last 3" in html
    assert kpi(html, "relief-trend") == (
        "Relief shortened by about 3.0 days per course over the last 3"
    )
    chart = review_charts(html)["dose_response"]
    relief = chart["series"]["Relief (days)"]
    assert relief["y"] == [16, 13, 10] and relief["x"][0].startswith("Course 1 (")
    assert chart["series"]["Best change (%)"]["y"] == [-62.5] * 4
    assert [row[1:] for row in chart["table"]] == [
        ["Rate (mg/kg/h)", "Relief (days)", "Best change (%)"],
        ["0.3", "16", "-62.5"],
        ["0.4", "13", "-62.5"],
        ["0.5", "10", "-62.5"],
        ["0.6", "", "-62.5"],
    ]
    rows = raw_course_rows(html)
    assert [cell(rows[n], "relief") for n in (1, 2, 3)] == [
        "Ended after 16 days",
        "Ended after 13 days",
        "Ended after 10 days",
    ]
    # 30 days between courses: pain back 30 - 16 = 14, 17 and 20 days before the next one.
    assert cell(rows[1], "pain-back") == "pain back 14 days before the next session"
    assert cell(rows[3], "pain-back") == "pain back 20 days before the next session"
    assert cell(rows[2], "dose") == "120 mg; 0.4 mg/kg/h"
    assert cell(rows[2], "duration") == "240 min"
    assert cell(rows[2], "adjuncts") == "midazolam 2 mg"
    assert cell(rows[2], "pre-post") == "8 / 4"


def test_outcome_measures_per_course(client, four_courses):
    """Course 4 (10 days ago): PEG = pain, so 8.0 in the baseline week and 3.0 in week 1.
    PROMIS before: the check-in 13 days ago (3 days before), raw 16 = T 66.6; after: the one 5
    days ago, raw 8 = T 55.6, PGIC 2 = much improved, a responder."""
    html = client.get(f"/clinic/patients/{four_courses['patient'].id}").text
    outcomes = cell(raw_course_rows(html)[4], "outcomes")
    assert outcomes == ("PEG 8.0 → 3.0; PROMIS T 66.6 → 55.6; PGIC much improved (responder)")
    body = client.get(f"/api/v1/patients/{four_courses['patient'].id}/responses").get_json()
    course = body["courses"][3]
    assert (course["peg_before"], course["peg_after"], course["peg_change"]) == (8.0, 3.0, -5.0)
    assert course["promis_t_change"] == -11.0
    assert course["promis_after"]["pgic_responder"] is True


def test_safety_rescue_medication_and_lab_notes(client, four_courses):
    """Dissociation 2 after course 1 only; urinary symptoms 1 after course 3 only; nausea
    never. Oxycodone on every day at pain 8: 7 of 7 baseline days before each course, 0 of 7
    days in week 1. Doses in the last 12 months: 100 + 120 + 140 + 160 = 520 mg, 4 sessions.
    The lab notes of course 2's session are listed."""
    html = client.get(f"/clinic/patients/{four_courses['patient'].id}?range=all").text
    chart = review_charts(html)["safety"]
    lines = {name: s["y"] for name, s in chart["series"].items()}
    assert lines["Feeling unreal or detached"] == [2, 0, 0, 0]
    assert lines["Passing urine often, urgently, or with pain"] == [0, 0, 1, 0]
    assert lines["Nausea"] == [0, 0, 0, 0]
    rows = raw_course_rows(html)
    assert cell(rows[2], "rescue") == "before 7 of 7 days; after 0 of 7 days"
    assert kpi(html, "cumulative-dose") == "520 mg"
    assert "ALT 80 U/L, AST 60 U/L" in html.split('data-list="lab-notes"')[1]


def test_other_treatment_on_the_timeline_and_in_the_table(client, four_courses):
    """The nerve block 35 days ago lies in course 3's observation (days -39..-11), not in
    course 4's baseline week (days -17..-11) nor course 2's window: it is listed for course 3
    only, and drawn on the daily pain chart."""
    html = client.get(f"/clinic/patients/{four_courses['patient'].id}?range=90").text
    rows = raw_course_rows(html)
    assert "Nerve block (stellate ganglion block)" in cell(rows[3], "treatments")
    assert cell(rows[4], "treatments") == "\N{EN DASH}"
    pain = review_charts(html)["pain"]
    assert pain["series"]["Other treatment"]["x"] == [ago(35).isoformat()]
    (row,) = [r for r in pain["table"] if "Nerve block: stellate ganglion block" in r]
    assert row[0] == ago(35).strftime("%-d %b %Y")


def test_treatments_form_and_api(app, client, four_courses):
    patient = four_courses["patient"]
    url = f"/clinic/patients/{patient.id}/treatments"
    page = client.get(url)
    assert page.status_code == 200 and "stellate ganglion block" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    bad = client.post(url, data={"csrf_token": token, "day": "2026-13-01", "kind": "magic"})
    assert bad.status_code == 422
    assert "Enter the date as YYYY-MM-DD." in bad.text and "Choose one of:" in bad.text
    ok = client.post(
        url,
        data={
            "csrf_token": token,
            "day": ago(2).isoformat(),
            "kind": "physical_therapy",
            "description": "6 sessions, graded motor imagery",
        },
    )
    assert ok.status_code == 302
    api = f"/api/v1/patients/{patient.id}/treatments"
    headers = {"X-CSRFToken": token}
    created = client.post(
        api, json={"day": ago(1).isoformat(), "kind": "medication_change"}, headers=headers
    )
    assert created.status_code == 201
    refused = client.post(api, json={"day": ago(1).isoformat(), "kind": "x"}, headers=headers)
    assert refused.status_code == 422 and "kind" in refused.get_json()["errors"]
    listed = client.get(api).get_json()
    assert [t["kind"] for t in listed] == ["medication_change", "physical_therapy", "nerve_block"]
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("treatment%"))
        ).all()
        assert actions.count("treatment.create") == 2
        assert "treatments.read" in actions
        assert db.session.scalar(select(Treatment).where(Treatment.kind == "x")) is None


def test_course_override_on_the_infusion_form(app, client, four_courses):
    """Course 2's session set to join the previous session's course: 3 courses, the first
    with 2 sessions, measured from the second's end."""
    patient = four_courses["patient"]
    with app.app_context():
        second = db.session.scalars(
            select(Infusion.id).where(Infusion.patient_id == patient.id).order_by(Infusion.id)
        ).all()[1]
    url = f"/clinic/patients/{patient.id}/infusions/{second}/edit"
    form = client.get(url).text
    assert 'name="course_rule"' in form and "Starts a new course" in form
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    data = {"csrf_token": token, "date": ago(70).isoformat(), "time": "09:00", "exam": "no"}
    refused = client.post(url, data={**data, "course_rule": "sometimes"})
    assert refused.status_code == 422 and "Choose automatic grouping" in refused.text
    saved = client.post(url, data={**data, "course_rule": "same_course"})
    assert saved.status_code == 302
    body = client.get(f"/api/v1/patients/{patient.id}/responses").get_json()
    assert [len(c["session_ids"]) for c in body["courses"]] == [2, 1, 1]
    assert body["courses"][0]["end_day"] == ago(70).isoformat()


def test_responses_is_audited_and_scoped(app, make, client, four_courses):
    patient = four_courses["patient"]
    assert client.get(f"/api/v1/patients/{patient.id}/responses").status_code == 200
    with app.app_context():
        assert (
            db.session.scalar(
                select(AuditEvent.patient_id).where(AuditEvent.action == "responses.read")
            )
            == patient.id
        )
    stranger = make.patient()
    assert client.get(f"/api/v1/patients/{stranger.id}/responses").status_code == 404
    assert client.get(f"/api/v1/patients/{stranger.id}/treatments").status_code == 404
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/patients/{patient_id}/responses"]["get"]
    assert "200" in operation["responses"]


def test_css_change_between_two_exams_against_the_smallest_real_difference(app, make, client):
    """Visits 30 and 10 days ago with an exam. In the 7 days before each: pain 5 with allodynia,
    swelling and colour change: continuing pain, allodynia/hyperalgesia, oedema and colour
    asymmetry = 4 symptom items. Signs: all 8 at the first visit (CSS 12), 2 at the second
    (CSS 6): a change of -6, beyond the smallest real difference of 4.9."""
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    for n in list(range(31, 38)) + list(range(11, 18)):
        make.entry(patient, ago(n), 5, symptoms=["allodynia", "swelling", "color_change"])
    all_signs = [
        "hyperalgesia_pinprick",
        "allodynia",
        "temperature_asymmetry",
        "colour_asymmetry",
        "sweating_asymmetry",
        "edema",
        "trophic_changes",
        "motor_changes",
    ]
    make.infusion(patient, clinician, ago(30), exam_signs=all_signs)
    make.infusion(patient, clinician, ago(10), exam_signs=["edema", "allodynia"])
    login(client, clinician)
    html = client.get(f"/clinic/patients/{patient.id}").text
    assert kpi(html, "css") == "6/16"
    assert "change -6 since the previous exam (beyond the smallest real difference of 4.9)" in html
    body = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()
    assert (body["css_change"], body["css_change_beyond_srd"]) == (-6, True)
