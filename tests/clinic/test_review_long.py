"""The review of a long diary (5 years, 40 infusions): as many queries as 30 days, and every
infusion drawn (the aligned chart: the last 7 courses). `_long_diary` builds such a diary for
the other review tests too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from diary.extensions import db
from diary.models import Infusion
from tests.clinic.test_review import bulk_entries, review_charts, series
from tests.factories import login


def _long_diary(app, make, years: float, infusions: int):
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=i) for i in range(int(365 * years))]
    bulk_entries(
        app,
        patient,
        days,
        lambda d: 3 + d.toordinal() % 6,
        symptoms=["burning", "swelling"],
        body_sites=["left_hand"],
        side_effects={"nausea": 1},
    )
    start = today - timedelta(days=int(365 * years) - 10)
    gap = (today - start).days // max(infusions, 1)
    with app.app_context():
        if infusions:
            db.session.execute(
                insert(Infusion),
                [
                    {
                        "patient_id": patient.id,
                        "clinician_id": clinician.id,
                        "started_at": datetime.combine(
                            start + timedelta(days=i * gap), datetime.min.time(), UTC
                        ),
                        "adjuncts": [],
                        "exam_signs": ["edema"] if i % 2 else None,
                    }
                    for i in range(infusions)
                ],
            )
        db.session.commit()
    return clinician, patient


def test_review_of_five_years_uses_as_many_queries_as_thirty_days(app, make, count_queries):
    big_clinician, big = _long_diary(app, make, years=5, infusions=40)
    small_clinician, small = _long_diary(app, make, years=30 / 365, infusions=1)
    counts = {}
    for clinician, patient in ((big_clinician, big), (small_clinician, small)):
        client = app.test_client()
        login(client, clinician)
        with count_queries() as counter:
            response = client.get(f"/clinic/patients/{patient.id}?range=all")
        assert response.status_code == 200
        counts[patient.id] = counter.count
    assert counts[big.id] == counts[small.id]
    # session user, patient, link check, audit INSERT, infusions, entries, check-ins (+ commit),
    # the review cache's next scheduled infusion (how long the computed review may be kept),
    # the entries read one by one (notes, and lateness near the end of the next day), and the
    # days a parent or carer logged (one grouped query); the body map is counted from the
    # loaded days (services/review/body_map.body_map_of_days: no query of its own)
    assert counts[big.id] <= 13, counts


def test_review_of_five_years_draws_every_infusion(app, make, client):
    """Every infusion on the pain chart; the aligned chart the last 7 of the 40 courses, one
    colour each (charts_svg.ALIGNED_COURSES: tests/clinic/test_review_aligned.py)."""
    clinician, patient = _long_diary(app, make, years=5, infusions=40)
    login(client, clinician)
    html = client.get(f"/clinic/patients/{patient.id}?range=all").text
    charts = review_charts(html)
    lines = [n for n in charts["aligned"]["series"] if not n.startswith("Next infusion")]
    assert [n.split(" (")[0] for n in lines] == [f"Course {i}" for i in range(34, 41)]
    assert charts["aligned"]["title"].startswith("Daily pain around the last 7 of 40 courses")
    assert len(charts["aligned"]["table"]) == 1 + 7
    assert len(series(charts["pain"], "Infusion")["x"]) == 40
    assert len(charts["pain"]["rules"]) == 40
    # over a year: one point a week (charts.weekly), so the document stays small
    assert 5 * 52 <= len(series(charts["pain"], "Pain now (weekly mean)")["x"]) <= 5 * 53 + 1
    assert "one point per week" in html
