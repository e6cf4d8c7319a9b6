"""Known-answer tests for the ten defects of issue 8, each on a hand-made diary whose answer is
worked out by hand in the docstring, read where a clinician reads it (page, report, API).

Days are written relative to today ("-10" = ten days ago); the patients' zone is UTC unless a
test says otherwise. Entries are recorded at noon of the day they describe (on time) unless the
test is about late entries. Defect 7 (time zones) is in test_review_defects_zones.py; the
review's tables are read by course_table.py.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select

from diary import analysis
from diary.codes import CSS_SYMPTOM_ITEMS
from diary.extensions import db
from diary.models import Entry, WeeklyCheckin
from tests.clinic.course_table import cell, heading, raw_course_rows, table
from tests.clinic.test_review import figures, kpi, review_charts
from tests.factories import login

TODAY = datetime.now(UTC).date()


def ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def diary(app, patient, pains: dict[date, int], *, recorded=None, **fields) -> None:
    """One entry per day with the given pain; recorded at noon that day unless `recorded`."""
    rows = [
        {
            "id": uuid.uuid4(),
            "patient_id": patient.id,
            "day": d,
            "recorded_at": recorded or datetime.combine(d, time(12), UTC),
            "pain": p,
            "symptoms": fields.get("symptoms", []),
            "body_sites": [],
            "medications": [],
            "side_effects": {},
            "created_at": datetime.now(UTC),
            "updated_at": datetime.now(UTC),
        }
        for d, p in pains.items()
    ]
    with app.app_context():
        db.session.execute(insert(Entry), rows)
        db.session.commit()


def span(first: int, last: int, pain: int) -> dict[date, int]:
    """Pain `pain` on every day from `first` days ago to `last` days ago (first >= last)."""
    return {ago(n): pain for n in range(last, first + 1)}


def setup(make, client, **patient_fields):
    clinician = make.clinician()
    patient = make.patient(timezone=patient_fields.pop("timezone", "UTC"), **patient_fields)
    make.link(clinician, patient)
    login(client, clinician)
    return clinician, patient


# --- 1. the report and summary load the whole history ------------------------------------------


def _five_infusions(app, make, client):
    """Infusions 94, 73, 52, 31 and 10 days ago (21 days apart, no entry on infusion days).
    Before each: pain 8 (the 7 days before the first; days +14..+20 of the previous one).
    After each: pain 3 on days +1..+13, pain 8 on days +14..+20 (up to today for the last)."""
    clinician, patient = setup(make, client)
    pains: dict[date, int] = span(101, 95, 8)
    for start in (94, 73, 52, 31, 10):
        for offset in range(1, 21):
            n = start - offset
            if n >= 0:
                pains[ago(n)] = 3 if offset <= 13 else 8
        make.infusion(patient, clinician, ago(start))
    diary(app, patient, pains)
    with app.app_context():
        db.session.add(
            WeeklyCheckin(
                patient_id=patient.id,
                day=ago(45),
                promis_pi={"pi_day_to_day": 3, "pi_work_home": 3, "pi_social": 3, "pi_chores": 3},
                pgic=2,
            )
        )
        db.session.commit()
    return patient


def test_defect1_report_measures_every_infusion_on_the_whole_history(app, make, client):
    """Each infusion: baseline = 8 (7 days at 8 before it); week 1 = days +1..+7 at 3, so
    (3 - 8) / 8 = -62.5%, substantial, -5.0 points. Relief: the 3-day mean is 3 up to day 13,
    (3+3+8)/3 = 4.67 <= 5.6 on day 14, (3+8+8)/3 = 6.33 and 8 above 5.6 on days 15 and 16:
    ended after 15 days; the next session is on day +21: pain back 21 - 15 = 6 days before it.
    Before the fix the report loaded about 37 days and called the older three "Not enough
    data"."""
    patient = _five_infusions(app, make, client)
    html = client.get(f"/clinic/patients/{patient.id}/report").text
    response_table = html.split('id="report-infusions-title"')[1].split("</table>")[0]
    assert "Not enough data" not in response_table
    assert response_table.count("Substantial improvement") == 5
    rows = raw_course_rows(html)
    assert sorted(rows) == [1, 2, 3, 4, 5]
    for n in (1, 2, 3, 4):
        assert cell(rows[n], "baseline") == "8.0"
        assert cell(rows[n], "week1").startswith("3.0 -62.5% -5.0 pts")
        assert cell(rows[n], "relief") == "Ended after 15 days"
        assert cell(rows[n], "pain-back") == "pain back 6 days before the next session"


def test_defect1_aligned_chart_never_mixes_in_the_next_infusions_days(app, make, client):
    """The course of 31 days ago: its next session is 21 days later, so its line has pain on
    days -7..+20 and nothing from day +21 on (day +22 is the next infusion's day +1, pain 3,
    which used to be drawn on this line)."""
    patient = _five_infusions(app, make, client)
    fig = figures(client.get(f"/clinic/patients/{patient.id}/report").text)["aligned"]
    (line,) = [t for t in fig["data"] if ago(31).isoformat() in t["name"]]
    y = dict(zip(line["x"], line["y"], strict=True))
    assert y[-1] == 8 and y[1] == 3 and y[20] == 8
    assert all(y[o] is None for o in range(21, 85))


def test_defect1_a_45_day_old_checkin_is_shown(app, make, client):
    """The only check-in is 45 days old: PROMIS items 3+3+3+3 = raw 12, T-score 61.2 (v1.0
    table), PGIC 2 = much improved (a responder). It used to read "none yet"."""
    patient = _five_infusions(app, make, client)
    html = client.get(f"/clinic/patients/{patient.id}/report").text
    assert kpi(html, "checkin") == "12/20"
    assert "T-score 61.2" in html and "much improved (responder)" in html
    body = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()
    assert body["latest_checkin"]["day"] == ago(45).isoformat()
    assert body["latest_checkin"]["promis_t"] == 61.2


# --- 2. relief at exactly -30% -----------------------------------------------------------------


def test_defect2_exactly_thirty_percent_less_is_relief(app, make, client):
    """Baseline days -7..-1: 5, 5, 4, 4, 4, 4, 4 = 30, mean 30/7 = 4.2857; threshold x 0.7 =
    3 exactly (a float 2.9999999999999996). Daily pain 3 on days +1..+20 (today): week 1 is
    (3 - 30/7) / (30/7) = -30% exactly, moderate; every 3-day mean is 3, at the threshold, so
    relief started and is still going: at least 20 days. It used to say "No relief"."""
    clinician, patient = setup(make, client)
    day0 = 20
    pains = dict(zip([ago(day0 + i) for i in range(1, 8)], [5, 5, 4, 4, 4, 4, 4], strict=True))
    pains |= span(day0 - 1, 0, 3)
    diary(app, patient, pains)
    make.infusion(patient, clinician, ago(day0))
    html = client.get(f"/clinic/patients/{patient.id}").text
    assert kpi(html, "relief") == "Still in relief (at least 20 days)"
    row = raw_course_rows(html)[1]
    assert cell(row, "band") == "Moderate improvement (30-49% less pain)"
    assert cell(row, "week1").startswith("3.0 -30.0%")
    assert cell(row, "relief") == "Still in relief (at least 20 days)"


# --- 3. a gap in the diary makes the end of relief an interval --------------------------------


def test_defect3_relief_ending_in_a_gap_is_an_interval(app, make, client):
    """Infusion 40 days ago, baseline 8 (threshold 5.6). Pain 3 on days +1..+11, no entries on
    days +12..+30, pain 8 on days +31..+40. The 3-day mean is above 5.6 on days 32 and 33 (8),
    so relief ended by day 32; the last entry still in relief is day 11 and the next entry,
    day 31, is already back at 8: the end lies between day 11 and day 31. It used to say
    "Ended after 32 days", counting 19 days without entries as relief."""
    clinician, patient = setup(make, client)
    diary(app, patient, span(47, 41, 8) | span(39, 29, 3) | span(9, 0, 8))
    make.infusion(patient, clinician, ago(40))
    html = client.get(f"/clinic/patients/{patient.id}").text
    assert kpi(html, "relief") == "Ended between day 11 and day 31 (no entries between)"
    row = raw_course_rows(html)[1]
    assert cell(row, "relief") == "Ended between day 11 and day 31 (no entries between)"
    body = client.get(f"/api/v1/patients/{patient.id}/responses").get_json()
    relief = body["courses"][0]["response"]["relief"]
    assert (relief["status"], relief["days"], relief["days_max"]) == ("ended_in_gap", 11, 31)


# --- 4. courses ---------------------------------------------------------------------------------


def test_defect4_a_five_day_course_is_measured_against_the_week_before_it(app, make, client):
    """Five daily sessions on days -30..-26. Pain 8 on days -37..-31, 4 on the session days,
    3 from day -25 on. One course (each session 1 day after the previous); baseline = the week
    before its first session = 8; day 0 = its last session (-26); week 1 = days -25..-19 = 3:
    (3 - 8) / 8 = -62.5%, substantial. Measured per session, the last one's baseline mixed
    3 days at 8 and 4 at 4 (40/7 = 5.71) and gave -47.5%, moderate. The key figure: mean of the
    last 7 days 3 against 8 = -62.5%, shown rounded as -62%."""
    clinician, patient = setup(make, client)
    diary(app, patient, span(37, 31, 8) | span(30, 26, 4) | span(25, 0, 3))
    for n in range(30, 25, -1):
        make.infusion(patient, clinician, ago(n), duration_minutes=240)
    html = client.get(f"/clinic/patients/{patient.id}").text
    assert kpi(html, "change") == "-62%"
    rows = raw_course_rows(html)
    assert list(rows) == [1]
    assert cell(rows[1], "week1").startswith("3.0 -62.5% -5.0 pts")
    assert cell(rows[1], "band") == "Substantial improvement (50% or more less pain)"
    assert kpi(html, "change") == "-62%"
    sessions = re.findall(r'<tr data-session="\d+" data-course="(\d+)">', table(html, "infusions"))
    assert sessions == ["1"] * 5
    assert "sessions whose days are at most 3 days apart" in html  # the rule is shown
    # the key figures' period is named by the course, not its last session, and so is the
    # change's: the 7 days after the course, all at 3
    assert "baseline 8.0; mean 3.0 over 7 days after the course (-5.0 pts" in html
    assert heading(html) == (
        f"Since the last course ({ago(30):%d %b} to {ago(26):%d %b %Y}, ended 26 days ago)"
    )


def test_defect4_continuous_infusion_is_measured_from_its_end(app, make, client):
    """A continuous infusion started 30 days ago for 4 days (5760 minutes) ends on day -26.
    Pain 8 before (days -37..-31), 5 during, 2 after (days -25..0). Day 0 is the end (-26):
    week 1 = days -25..-19 = 2 against 8: -75%. Counted from the start it would have mixed in
    the infusion days at 5."""
    clinician, patient = setup(make, client)
    diary(app, patient, span(37, 31, 8) | span(30, 26, 5) | span(25, 0, 2))
    make.infusion(patient, clinician, ago(30), duration_minutes=4 * 24 * 60)
    html = client.get(f"/clinic/patients/{patient.id}").text
    assert "baseline 8.0" in html  # the week before the start, not the infusion days at 5
    assert heading(html) == (
        f"Since the last course ({ago(30):%d %b} to {ago(26):%d %b %Y}, ended 26 days ago)"
    )
    body = client.get(f"/api/v1/patients/{patient.id}/responses").get_json()
    (course,) = body["courses"]
    assert course["end_day"] == ago(26).isoformat()
    assert course["response"]["week1_change_pct"] == -75.0


def test_defect4_the_clinician_can_override_the_grouping(app, make, client):
    """Sessions 30 and 28 days ago are 2 days apart: one course by the rule. Set the second to
    start a new course and there are two, each with its own baseline."""
    clinician, patient = setup(make, client)
    diary(app, patient, span(40, 0, 5))
    make.infusion(patient, clinician, ago(30))
    second = make.infusion(patient, clinician, ago(28))
    url = f"/api/v1/patients/{patient.id}/responses"
    assert [c["number"] for c in client.get(url).get_json()["courses"]] == [1]
    token = client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    response = client.patch(
        f"/api/v1/patients/{patient.id}/infusions/{second.id}",
        json={"course_rule": "new_course"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    courses = client.get(url).get_json()["courses"]
    assert [c["session_ids"] for c in courses] == [[second.id - 1], [second.id]]
    assert courses[1]["grouping"] == ["new course (set by the clinician)"]


# --- 5. change vs baseline uses the days after the infusion only ------------------------------


def test_defect5_change_uses_days_after_the_infusion_only(app, make, client):
    """Infusion 3 days ago. Pain 8 on days -10..-3 (the baseline week and the infusion day),
    2 on days -2..0. The last 7 days hold 4 days at 8 and 3 at 2: (32 + 6) / 7 = 5.43, which
    is -32% against 8. The days after the infusion alone: 2 over 3 days = -75%, -6 points."""
    clinician, patient = setup(make, client)
    diary(app, patient, span(10, 3, 8) | span(2, 0, 2))
    make.infusion(patient, clinician, ago(3))
    html = client.get(f"/clinic/patients/{patient.id}").text
    assert kpi(html, "change") == "-75%"
    assert "mean 2.0 over 3 days after the infusion (-6.0 pts" in html
    body = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()
    assert (body["change_pct"], body["change_days"], body["change_points"]) == (-75.0, 3, -6.0)


# --- 6. late entries ----------------------------------------------------------------------------


def test_defect6_back_filled_entries_are_late(app, make, client):
    """Infusion 14 days ago: the period is the 14 days after it (-13..0). An entry for each of
    them, all recorded now. On time = recorded by the end of the next day: only today's and
    yesterday's; the other 12 are late. Adherence: 2 of 14 on time = 14%, 12 late (86%). It
    used to say 100%. The chart rings the 12 late days."""
    clinician, patient = setup(make, client)
    diary(app, patient, span(13, 0, 5), recorded=datetime.now(UTC))
    make.infusion(patient, clinician, ago(14))
    html = client.get(f"/clinic/patients/{patient.id}?range=30").text
    assert kpi(html, "adherence") == "14%"
    assert "on time: 2 of 14 days; late: 12 days (86%)" in html
    late = review_charts(html)["pain"]["series"]["Recorded late"]
    assert late["x"] == [ago(n).isoformat() for n in range(13, 1, -1)]
    body = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()
    assert body["adherence_detail"]["on_time_days"] == 2
    assert body["adherence_detail"]["late_days"] == 12


# --- 7. time zones: in test_review_defects_zones.py ---------------------------------------------


# --- 8. no pain at baseline -----------------------------------------------------------------------


def test_defect8_no_pain_at_baseline_uses_the_absolute_change(app, make, client):
    """Pain 0 on the 7 days before an infusion 10 days ago, 2 on days +1..+10. A percent of 0
    is undefined: the page says so and shows the change in points, +2.0 (it used to say "Not
    enough data"); relief (30% below nothing) is undefined too."""
    clinician, patient = setup(make, client)
    diary(app, patient, span(17, 11, 0) | span(9, 0, 2))
    make.infusion(patient, clinician, ago(10))
    html = client.get(f"/clinic/patients/{patient.id}").text
    assert kpi(html, "change") == "+2.0 pts"
    assert "no pain at baseline; percent change undefined" in html
    row = raw_course_rows(html)[1]
    assert cell(row, "band") == "No pain at baseline; percent change undefined"
    assert cell(row, "week1").startswith("2.0 \N{EN DASH} +2.0 pts")
    assert "Not enough data" not in cell(row, "band")


# --- 9. flares, the 84-day cap, old last entries ------------------------------------------------


def test_defect9_the_end_of_relief_is_not_a_flare(app, make, client):
    """Infusion 30 days ago, baseline 8. Pain 3 on days +1..+14, 8 on +15..+30 except 10 on
    day +25. Against the previous 7 days alone, days +15..+19 (8 against means 3, 3.71, 4.43,
    5.14, 5.86) and +25 would be flares: 6 days. Pain back at its pre-infusion level (8) is the
    end of relief, not a flare; day +25 (10: 2 above the previous week's 8 and the baseline 8)
    is the one flare."""
    clinician, patient = setup(make, client)
    pains = span(37, 31, 8) | span(29, 16, 3) | span(15, 0, 8)
    pains[ago(5)] = 10
    diary(app, patient, pains)
    make.infusion(patient, clinician, ago(30))
    html = client.get(f"/clinic/patients/{patient.id}").text
    assert kpi(html, "flares") == "1"
    body = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()
    assert body["flare_days"] == [ago(5).isoformat()]


def test_defect9_relief_is_observed_to_day_84_like_the_best_mean(app, make, client):
    """Infusion 199 days ago, baseline 8, pain 2 every day since. Best and relief both stop at
    day +84: "at least 84 days", not "at least 199 days"."""
    clinician, patient = setup(make, client)
    diary(app, patient, span(206, 200, 8) | span(198, 0, 2))
    make.infusion(patient, clinician, ago(199))
    html = client.get(f"/clinic/patients/{patient.id}").text
    expected = "At least 84 days (still in relief at the end of observation)"
    assert kpi(html, "relief") == expected
    assert cell(raw_course_rows(html)[1], "relief") == expected


def test_defect9_still_in_relief_says_since_when_there_are_no_entries(app, make, client):
    """Infusion 40 days ago, baseline 8, pain 2 on days +1..+10, nothing since (30 days). The
    relief lasted at least 10 days; whether it still does is unknown."""
    clinician, patient = setup(make, client)
    diary(app, patient, span(47, 41, 8) | span(39, 30, 2))
    make.infusion(patient, clinician, ago(40))
    html = client.get(f"/clinic/patients/{patient.id}").text
    expected = f"At least 10 days, no entries since {ago(30).strftime('%d %b %Y')}"
    assert kpi(html, "relief") == expected


# --- 10. CSS symptom items --------------------------------------------------------------------


def test_defect10_cold_and_heat_sensitivity_count_as_allodynia_hyperalgesia():
    """The 16-item CSS's sensory symptom item is "allodynia / hyperalgesia": pain on light touch,
    temperature sensation, pressure or joint movement (Budapest criteria). Pain with cold or
    heat is thermal allodynia/hyperalgesia, so both codes map to that item, and nothing else."""
    assert {
        "continuing_pain": frozenset(),
        "allodynia_hyperalgesia": frozenset(
            {"allodynia", "hyperalgesia", "cold_sensitivity", "heat_sensitivity"}
        ),
        "temperature_asymmetry": frozenset({"temperature_change"}),
        "colour_asymmetry": frozenset({"color_change"}),
        "sweating_asymmetry": frozenset({"sweating_change"}),
        "edema": frozenset({"swelling"}),
        "trophic_changes": frozenset({"trophic_change"}),
        "motor_changes": frozenset({"stiffness", "weakness", "tremor_spasm", "abnormal_posture"}),
    } == CSS_SYMPTOM_ITEMS


def test_defect10_cold_sensitivity_scores_on_the_review(app, make, client):
    """Entries in the 7 days before a visit: pain 5 and cold sensitivity only. Exam done, no
    sign found. CSS = continuing pain 1 + allodynia/hyperalgesia 1 = 2 (it was 1)."""
    clinician, patient = setup(make, client)
    diary(app, patient, span(8, 2, 5), symptoms=["cold_sensitivity"])
    make.infusion(patient, clinician, ago(1), exam_signs=[])
    html = client.get(f"/clinic/patients/{patient.id}").text
    assert kpi(html, "css") == "2/16"
    with app.app_context():
        assert db.session.scalar(select(Entry.symptoms).limit(1)) == ["cold_sensitivity"]
    assert analysis.crps_severity_score(True, {"heat_sensitivity"}, set()) == 2
