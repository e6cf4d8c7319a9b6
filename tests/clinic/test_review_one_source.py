"""One source for every per-infusion and per-course number: the review page, the printed
report, GET /summary and GET /responses print the same numbers for a patient with 2 years of
data and 30 infusions in 8 courses."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert

from diary.extensions import db
from diary.models import Entry, Infusion, Treatment, WeeklyCheckin
from tests.clinic.course_table import cell, raw_course_rows, table
from tests.factories import login

TODAY = datetime.now(UTC).date()
# 8 courses: first session's days-ago and the number of daily sessions (5+4+4+4+4+3+3+3 = 30).
COURSES = [(700, 5), (610, 4), (520, 4), (430, 4), (345, 4), (260, 3), (170, 3), (80, 3)]


def _pain(d: date, ends: list[date]) -> int | None:
    """Pain 7-8 before the first course; after each course's end 3 for a while, rising by one
    point every 6 days back to 8; every 17th day has no entry."""
    if d.toordinal() % 17 == 0:
        return None
    before = [e for e in ends if e < d]
    if not before:
        return 7 + d.toordinal() % 2
    k = (d - before[-1]).days
    return min(8, 3 + k // 6) + (d.toordinal() % 3 == 0 and k > 3)


def _two_years(app, make):
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    sessions = []
    ends = []
    for start, count in COURSES:
        for i in range(count):
            day = TODAY - timedelta(days=start - i)
            sessions.append(
                {
                    "patient_id": patient.id,
                    "clinician_id": clinician.id,
                    "started_at": datetime.combine(day, time(9), UTC),
                    "duration_minutes": 240,
                    "dose_mg": 60.0 + 5 * (start % 7),
                    "rate_mg_kg_h": round(0.2 + 0.05 * (start % 5), 2),
                    "adjuncts": ["midazolam 2 mg"] if i == 0 else [],
                    "pain_pre": 7,
                    "pain_post": 4,
                    "adverse_events": "nausea" if i == 1 else None,
                    "lab_notes": "ALT 35 U/L" if i == 0 else None,
                    "exam_signs": ["edema"] if i == 0 else None,
                }
            )
        ends.append(TODAY - timedelta(days=start - count + 1))
    first = TODAY - timedelta(days=730)
    now = datetime.now(UTC)
    rows = []
    for n in range((TODAY - first).days + 1):
        d = first + timedelta(days=n)
        pain = _pain(d, ends)
        if pain is None:
            continue
        late = n % 11 == 0
        rows.append(
            {
                "id": uuid.uuid4(),
                "patient_id": patient.id,
                "day": d,
                "recorded_at": datetime.combine(d + timedelta(days=3 if late else 0), time(20), UTC)
                if d + timedelta(days=3) <= TODAY or not late
                else now,
                "timezone": "UTC",
                "pain": pain,
                "pain_average": pain,
                "peg_enjoyment": max(0, pain - 1),
                "peg_activity": pain,
                "symptoms": ["burning"],
                "body_sites": ["left_hand"],
                "medications": ["paracetamol"] if pain >= 7 else [],
                "side_effects": {"nausea": 1, "dissociation": 2} if n % 9 == 0 else {},
                "created_at": now,
                "updated_at": now,
            }
        )
    with app.app_context():
        db.session.execute(insert(Infusion), sessions)
        db.session.execute(insert(Entry), rows)
        db.session.add_all(
            WeeklyCheckin(
                patient_id=patient.id,
                day=first + timedelta(days=7 * w),
                promis_pi={"pi_day_to_day": 3, "pi_work_home": 2, "pi_social": 3, "pi_chores": 2},
                pgic=1 + w % 7,
            )
            for w in range(104)
        )
        db.session.add(
            Treatment(
                patient_id=patient.id,
                clinician_id=clinician.id,
                day=TODAY - timedelta(days=350),
                kind="nerve_block",
                description="stellate ganglion block",
            )
        )
        db.session.commit()
    return clinician, patient


def _num(value) -> str:
    return "\N{EN DASH}" if value is None else f"{value:.1f}"


def _signed(value, suffix) -> str:
    return "\N{EN DASH}" if value is None else f"{value:+.1f}{suffix}"


def test_page_report_summary_and_responses_agree(app, make, client):
    clinician, patient = _two_years(app, make)
    login(client, clinician)
    page = client.get(f"/clinic/patients/{patient.id}?range=all").text
    report = client.get(f"/clinic/patients/{patient.id}/report").text
    summary = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()
    api = client.get(f"/api/v1/patients/{patient.id}/responses").get_json()

    assert len(api["sessions"]) == 30
    assert [c["number"] for c in api["courses"]] == list(range(1, 9))
    assert [len(c["session_ids"]) for c in api["courses"]] == [n for _, n in COURSES]

    page_rows, report_rows = raw_course_rows(page), raw_course_rows(report)
    assert sorted(page_rows) == sorted(report_rows) == list(range(1, 9))
    compared = 0
    for course in api["courses"]:
        r = course["response"]
        expected = {
            "baseline": _num(r["baseline"]),
            "week1": (
                f"{_num(r['week1_mean'])} {_signed(r['week1_change_pct'], '%')} "
                f"{_signed(r['week1_change_points'], ' pts')} ({r['week1_days']} days)"
            ),
            "band": r["band_label"],
            "best": (
                f"{_num(r['best_mean'])} {_signed(r['best_change_pct'], '%')} "
                f"{_signed(r['best_change_points'], ' pts')}"
            ),
            "relief": r["relief"]["text"],
            "pain-back": course["pain_back"],
        }
        for rows in (page_rows, report_rows):
            for field, text in expected.items():
                assert cell(rows[course["number"]], field) == text, (course["number"], field)
                compared += 1
    assert compared == 8 * 6 * 2

    # The sessions: each in the course the API says, on the page.
    on_page = dict(
        re.findall(r'<tr data-session="(\d+)" data-course="(\d+)">', table(page, "infusions"))
    )
    assert {int(k): int(v) for k, v in on_page.items()} == {
        s["infusion_id"]: s["course"] for s in api["sessions"]
    }

    # The summary's last course and last session are the same object as /responses' last.
    assert summary["last_course"] == api["courses"][-1]
    assert summary["last_infusion"]["response"] == api["courses"][-1]["response"]
    assert summary["relief_trend"] == api["relief_trend"]
    assert summary["cumulative_dose_12_months"] == api["cumulative_dose_12_months"]
    last = api["courses"][-1]["response"]
    assert f"{last['relief']['text']}" in page and f"{last['relief']['text']}" in report
    assert "stellate ganglion block" in page  # the other treatment, in its course's row
