"""The review's days as the database combines them (services/daily_sql.py, daily_sql_grouped.py)
and as the review groups them again in memory (loaded_days.py) equal the analysis's own
(analysis.daily_aggregates of series.readings, analysis.weekly_values), on seeded random diaries:
the hand-made diary of test_daily_sql.py picks the cases we thought of, these pick others, the
same ones on every run (a failure names its seed).

Each diary has 70 days around a change of clocks in its patient's zone (Los Angeles and London
in March and in October or November, Lord Howe's half hour, and three zones without one: 14
hours ahead, 12 behind, 5:45 ahead), one to three entries a day or none, each in the patient's
zone, another one or none (entries made before zones were kept), recorded 0 to 80 hours after
its day began in UTC (the band of 34 to 60 hours that only the entry's zone decides included),
with every kind of measure, and now and then a deleted entry."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import insert

from diary import analysis
from diary.extensions import db
from diary.models import Entry
from diary.services import daily_sql, daily_sql_grouped, loaded_days, series

# (the patient's zone, a day of its change of clocks, or any day where it has none)
ZONES = (
    ("America/Los_Angeles", date(2026, 3, 8)),
    ("America/Los_Angeles", date(2026, 11, 1)),
    ("Europe/London", date(2026, 3, 29)),
    ("Europe/London", date(2026, 10, 25)),
    ("Australia/Lord_Howe", date(2026, 4, 5)),
    ("Pacific/Kiritimati", date(2026, 6, 1)),
    ("Etc/GMT+12", date(2026, 6, 1)),
    ("Asia/Kathmandu", date(2026, 6, 1)),
)
OTHER_ZONES = ("UTC", "Asia/Tokyo", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12")
CODES = [
    "pain",
    "pain_worst",
    "pain_least",
    "pain_average",
    "sleep_hours",
    "sleep_quality",
    "peg_enjoyment",
    "peg_activity",
    "mood",
    "symptoms",
    "body_sites",
    "medications",
    "side_effects",
]
WEEKLY = CODES[:-1]  # analysis.weekly_values defines numbers and sets (not severities)


def _rows(rng: random.Random, patient_id: int, zone: str, first: date) -> list[dict]:
    rows = []
    for i in range(70):
        day = first + timedelta(days=i)
        for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
            row = {
                "id": uuid.uuid4(),
                "patient_id": patient_id,
                "day": day,
                "recorded_at": datetime.combine(day, time(), UTC)
                + timedelta(minutes=rng.randint(0, 80 * 60)),
                "timezone": rng.choice((zone, zone, None, rng.choice(OTHER_ZONES))),
                "pain": rng.randint(0, 10),
                "symptoms": rng.sample(["burning", "swelling", "stiffness"], rng.randint(0, 2)),
                "body_sites": rng.sample(["left_hand", "right_foot"], rng.randint(0, 2)),
                "medications": rng.sample(["rescue", "paracetamol"], rng.randint(0, 1)),
                "side_effects": {e: rng.randint(1, 3) for e in rng.sample(["nausea"], 1)}
                if rng.random() < 0.3
                else {},
            }
            for code in CODES[1:9]:
                if rng.random() < 0.5:
                    row[code] = (
                        rng.choice((4.5, 7.25)) if code == "sleep_hours" else rng.randint(0, 10)
                    )
            if rng.random() < 0.15:
                row["note"] = rng.choice(("flare", "  ", 'a "quoted" day'))
            if rng.random() < 0.05:
                row["deleted_at"] = datetime.now(UTC)
            rows.append(row)
    return rows


@pytest.mark.parametrize("seed", range(1, 21))
def test_random_diaries_are_combined_as_the_analysis_combines_them(app, make, seed):
    rng = random.Random(seed)
    zone, change = rng.choice(ZONES)
    patient = make.patient(timezone=zone)
    first = change - timedelta(days=rng.randint(10, 40))
    last = first + timedelta(days=69)
    with app.app_context():
        db.session.execute(insert(Entry), _rows(rng, patient.id, zone, first))
        db.session.commit()
        expected = analysis.daily_aggregates(series.readings(patient.id, default_zone=zone))
        days, pain = daily_sql.days_and_pain(patient.id, zone)
        weeks = daily_sql_grouped.weekly_means(patient.id, WEEKLY, first, last)
    assert list(days) == list(expected)
    for day, agg in expected.items():
        found = days[day]
        assert (found.entries, found.late_entries) == (agg.entries, agg.late_entries), day
        assert dict(found.values) == dict(agg.values), day
        assert found.notes == agg.notes, day
    assert pain == analysis.daily_pain(expected) and list(pain) == list(expected)
    by_analysis = analysis.weekly_values(expected, WEEKLY, first, last)
    assert list(weeks) == list(by_analysis)
    for week, values in by_analysis.items():
        assert weeks[week] == values, week
    assert loaded_days.weekly_means_of_days(days, WEEKLY, first, last) == by_analysis
