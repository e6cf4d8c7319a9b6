"""The dashboard's line of a patient shows their review's figures, on seeded random patients:
sessions alone or in courses of several days (gaps of 1 to 5 days), continuous infusions of up
to 5 days, the clinician's course rules, sessions long before the window, diaries with gaps, in
UTC, Auckland and Honolulu (where a session at 09:00 UTC falls on the day before). For each
patient the dashboard's baseline, change, band, 7-day mean, relief status, days with entries
among the last 14 and last entry (API list) are the review's key figures and last course's
relief. A failure names its seed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from diary.analysis import CourseRule
from tests.factories import login

T = datetime.now(UTC).date()
ZONES = ("UTC", "Pacific/Auckland", "Pacific/Honolulu")


def _random_patient(rng: random.Random, make, clinician, name: str):
    patient = make.patient(display_name=name, timezone=rng.choice(ZONES))
    make.link(clinician, patient)
    # sessions: from 170 days ago on, courses of 1-5 sessions, 2-60 days between courses
    n = -rng.randint(100, 170)
    while n < -1:
        for _ in range(rng.choice((1, 1, 2, 3, 5))):
            fields = {}
            if rng.random() < 0.15:
                fields["duration_minutes"] = rng.randint(1, 5) * 24 * 60
            if rng.random() < 0.15:
                fields["course_rule"] = rng.choice(list(CourseRule))
            make.infusion(patient, clinician, T + timedelta(days=n), **fields)
            n += rng.randint(1, 5)
            if n >= -1:
                break
        n += rng.randint(2, 60)
    level = rng.choice((3, 5, 8))
    for d in range(-190, 1):
        if rng.random() < 0.75:
            pain = max(0, min(10, round(rng.gauss(level + (d % 30 < 10) * -3, 1.5))))
            make.entry(patient, T + timedelta(days=d), pain)
    return patient


@pytest.mark.parametrize("seed", range(6))
def test_the_dashboard_shows_each_random_patients_review_figures(client, make, seed):
    rng = random.Random(seed)
    clinician = make.clinician(timezone="UTC")
    patients = {
        f"P{seed}-{i}": _random_patient(rng, make, clinician, f"P{seed}-{i}") for i in range(5)
    }
    login(client, clinician)
    rows = {r["display_name"]: r for r in client.get("/api/v1/patients").get_json()}
    for name, patient in patients.items():
        row = rows[name]
        summary = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()
        course = summary["last_course"]
        change, mean7 = summary["change_pct"], summary["mean_pain_7_days"]
        shown = (
            row["baseline"],
            row["band"],
            row["mean_pain_7_days"],
            row["relief_status"],
            row["entries_last_14_days"],
            row["last_entry_day"],
        )
        review = (
            summary["baseline"],
            summary["band"],
            round(mean7, 1) if mean7 is not None else None,
            course["response"]["relief"]["status"] if course else None,
            summary["days_with_data_14"],
            summary["last_entry_day"],
        )
        assert shown == review, (seed, name, course and course["first_day"])
        # the dashboard rounds the change to a whole percent, the review to one decimal
        if change is None:
            assert row["change_pct"] is None, (seed, name)
        else:
            assert abs(row["change_pct"] - change) <= 0.55, (seed, name, row, change)
