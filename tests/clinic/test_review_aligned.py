"""The review's aligned chart (pain around each course) draws at most the range's last
charts_svg.ALIGNED_COURSES courses, one colour each: its title says how many of how many, a note
says where the others are, its table holds the drawn courses only, and only theirs are aligned
(the cost stays the same however long the history). A range with that many courses or fewer
draws them all, as before. The printed report draws its last REPORT_COURSES."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from diary import analysis, charts_svg
from diary.charts_svg.plot import COLOURS
from diary.extensions import db
from diary.models import Infusion
from diary.services.review.pages import REPORT_COURSES
from tests.clinic.test_review import bulk_entries, figures, review_charts
from tests.factories import login

COURSES = 10  # infusions 20, 50, ... 290 days ago: ten courses of a day each


@pytest.fixture
def ten_courses(app, make, client):
    """A patient with an entry every day for 320 days (pain 1..7 by the day) and ten one-day
    courses 30 days apart, the last 20 days ago. Signed in as the linked clinician."""
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    today = datetime.now(UTC).date()
    bulk_entries(
        app,
        patient,
        [today - timedelta(days=i) for i in range(320)],
        lambda d: 1 + d.toordinal() % 7,
    )
    days = [today - timedelta(days=20 + 30 * k) for k in reversed(range(COURSES))]
    for d in days:
        make.infusion(patient, clinician, d)
    login(client, clinician)
    return {"patient": patient, "days": days}


def _name(number: int, day) -> str:
    return f"Course {number} ({day.isoformat()})"


def _lines(chart: dict) -> dict[str, dict]:
    return {n: s for n, s in chart["series"].items() if not n.startswith("Next infusion")}


def test_the_bound_is_the_palette():
    assert charts_svg.ALIGNED_COURSES == len(COLOURS) == 7
    assert REPORT_COURSES <= charts_svg.ALIGNED_COURSES


def test_more_courses_than_colours_draws_the_last_seven(client, ten_courses, monkeypatch):
    aligned_days = []
    real = analysis.aligned_on_infusions

    def spy(daily, days, **kwargs):
        aligned_days.extend(days)
        return real(daily, days, **kwargs)

    monkeypatch.setattr(analysis, "aligned_on_infusions", spy)
    url = f"/clinic/patients/{ten_courses['patient'].id}"
    page = client.get(f"{url}?range=all").text
    chart = review_charts(page)["aligned"]
    days = ten_courses["days"]
    drawn = [_name(i + 1, d) for i, d in enumerate(days)][-7:]
    lines = _lines(chart)
    assert list(lines) == drawn  # Course 4 .. Course 10, oldest first
    assert sorted(s["colour"] for s in lines.values()) == sorted(COLOURS)  # one colour each
    assert chart["title"] == (
        "Daily pain around the last 7 of 10 courses, by day from the course's last day"
    )
    assert chart["footnote"] == (
        "Only the last 7 of the 10 courses in this period are drawn (one colour each). Every "
        "course's relief is in the response table; a range with 7 courses or fewer draws them all."
    )
    assert (
        chart["caption"] == "Pain by day from the last day of the last 7 of 10 courses (day: pain)"
    )
    assert [row[0] for row in chart["table"][1:]] == drawn
    # only the drawn courses were aligned
    assert sorted(set(aligned_days)) == days[-7:]
    # the page's words about the chart, and the course table still lists every course
    assert "after the end of each of the last 7 of the 10 courses in the period" in page
    assert page.count("<tr data-course") == COURSES


def test_seven_courses_or_fewer_are_all_drawn_as_before(client, ten_courses):
    url = f"/clinic/patients/{ten_courses['patient'].id}"
    page = client.get(f"{url}?range=180").text  # infusions 20 .. 170 days ago: six courses
    chart = review_charts(page)["aligned"]
    days = ten_courses["days"]
    drawn = [_name(i + 1, d) for i, d in enumerate(days)][-6:]
    assert list(_lines(chart)) == drawn
    assert (
        chart["title"] == "Daily pain around each of 6 courses, by day from the course's last day"
    )
    assert chart["footnote"] == ""
    assert chart["caption"] == "Pain by day from each course's last day (day: pain)"
    assert "after the end of each course in the period" in page
    # the same courses' rows as in the longer range, where they are the last six of seven drawn
    everything = review_charts(client.get(f"{url}?range=all").text)["aligned"]
    assert everything["table"][-6:] == chart["table"][1:]


def test_the_report_draws_its_last_five_courses(client, ten_courses):
    html = client.get(f"/clinic/patients/{ten_courses['patient'].id}/report").text
    traces = figures(html)["aligned"]["data"]
    names = [t["name"] for t in traces if t["name"] != "Next infusion"]
    days = ten_courses["days"]
    assert names == [_name(i + 1, d) for i, d in enumerate(days)][-REPORT_COURSES:]


def test_two_courses_ending_on_the_same_day_each_have_their_line(app, make, client):
    """Day D is 30 days ago. Pain 2 on each of the 7 days before D, 6 on D and every day since
    (today is day +30). A session on D at 09:00 UTC (course 1), a second on D at 15:00 that the
    clinician marked as starting a new course (course 2). Both courses begin and end on D.
    Course 1's next course begins on D: its line is the 7 days before (pain 2), cut at day 0,
    where its "next infusion" triangle is. Course 2 has no next course: its line runs from day
    -7 to today, day +30 (2 seven times, then 6 thirty-one times). Each is its own line, named
    by its course, in the review's chart and table and in the printed report."""
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    today = datetime.now(UTC).date()
    d = today - timedelta(days=30)
    bulk_entries(
        app,
        patient,
        [d + timedelta(days=i) for i in range(-7, 31)],
        lambda day: 2 if day < d else 6,
    )
    first = make.infusion(patient, clinician, d)  # 09:00 UTC
    second = make.infusion(patient, clinician, d, course_rule="new_course")
    with app.app_context():
        db.session.get(Infusion, second.id).started_at = datetime.combine(
            d, datetime.min.time(), UTC
        ) + timedelta(hours=15)
        db.session.commit()
    assert first.id < second.id
    login(client, clinician)
    page = client.get(f"/clinic/patients/{patient.id}?range=90").text
    assert page.count("<tr data-course") == 2
    chart = review_charts(page)["aligned"]
    one, two = _name(1, d), _name(2, d)
    lines = _lines(chart)
    assert list(lines) == [one, two]
    assert lines[one]["x"] == [str(o) for o in range(-7, 0)]
    assert lines[one]["y"] == [2.0] * 7
    assert chart["series"][f"Next infusion after {one}"]["x"] == ["0"]
    assert lines[two]["x"] == [str(o) for o in range(-7, 31)]
    assert lines[two]["y"] == [2.0] * 7 + [6.0] * 31
    assert f"Next infusion after {two}" not in chart["series"]
    assert [row[:2] for row in chart["table"][1:]] == [[one, "0"], [two, ""]]
    report = client.get(f"/clinic/patients/{patient.id}/report").text
    traces = figures(report)["aligned"]["data"]
    assert [t["name"] for t in traces] == [one, "Next infusion", two]
    assert traces[0]["y"][:8] == [2.0] * 7 + [None]  # course 1: cut at day 0
