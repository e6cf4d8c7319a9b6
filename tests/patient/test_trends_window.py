"""The patient's trends page's 7-day mean on the first days of its window counts the 6 days
before the window, as the review's does (the mean of the 7 calendar days ending that day); a
carer's copy of the page names the patient."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.factories import login


def _trend_rows(page: str) -> dict[str, str]:
    rows = re.findall(r'<tr data-day="([^"]+)">(.*?)</tr>', page, re.S)
    return {day: re.findall(r'<td class="num">([^<]*)</td>', cells)[2] for day, cells in rows}


def test_patient_trend_7_day_mean_counts_the_days_before_the_window(app, make, client):
    patient = make.patient(timezone="UTC")
    today = datetime.now(UTC).date()
    # Pain 2 every day from 40 to 30 days ago, pain 8 every day from 29 days ago on.
    for n in range(40, 0, -1):
        make.entry(patient, today - timedelta(days=n), pain=2 if n >= 30 else 8)
    login(client, patient)
    rows = _trend_rows(client.get("/diary/trends?days=30").get_data(as_text=True))
    first = (today - timedelta(days=29)).isoformat()
    # The 7 days ending on the window's first day: six days of pain 2 and one of pain 8.
    expected = round((6 * 2 + 8) / 7, 1)  # 2.9
    assert rows[first] == str(expected), rows[first]


def test_patient_trend_7_day_mean_equals_the_review_charts_table(app, make, client):
    patient, clinician = make.patient(timezone="UTC"), make.clinician()
    make.link(clinician, patient)
    today = datetime.now(UTC).date()
    for n in range(40, 0, -1):
        make.entry(patient, today - timedelta(days=n), pain=2 if n >= 30 else 8)
    login(client, patient)
    trend = _trend_rows(client.get("/diary/trends?days=30").get_data(as_text=True))
    other = app.test_client()
    login(other, clinician)
    table = other.get(f"/api/v1/patients/{patient.id}/review/charts?range=30").get_json()
    review = {}
    for day_text, _now, mean7, _inf in table["tables"]["pain"]["rows"]:
        review[datetime.strptime(day_text, "%d %b %Y").date().isoformat()] = mean7
    day = (today - timedelta(days=27)).isoformat()  # the window's third day
    # review: 4 days of pain 2 and 3 of pain 8 -> 4.57; the phone page the same (it showed a
    # blank there, counting only its 3 in-window days, and 8.0 on the 4th to 6th)
    assert review[day] == "4.57"
    assert trend[day] == "4.6", (trend[day], review[day])


def test_carer_trends_name_the_patient(app, make, client):
    pat, anna = make.patient(display_name="Pat"), make.carer(display_name="Anna")
    make.carer_link(anna, pat)
    for n in range(1, 6):
        make.entry(pat, make.days_ago(n), 5)
    login(client, anna)
    history = client.get(f"/diary/for/{pat.id}/history").get_data(as_text=True)
    assert "Pat&#39;s entries" in history or "Pat's entries" in history
    page = client.get(f"/diary/for/{pat.id}/trends").get_data(as_text=True)
    assert "Your pain, last 30 days" not in page
    assert "your average pain" not in page
