"""The clinician's review page: key figures, the infusion table, the figures' data, the range
picker, the audit trail, and a constant number of queries however long the diary."""

from __future__ import annotations

import html as html_lib
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from diary.extensions import db
from diary.models import AuditEvent, Entry, WeeklyCheckin
from tests.clinic.charts_html import read_charts
from tests.factories import login

# The client of the running test (tests/clinic/conftest.py), which follows the review page's
# link to its charts as the browser does.
CHARTS_CLIENT: list = []


def figures(html: str) -> dict[str, dict]:
    """The plotly figures a page draws from its <script type="application/json"> blocks (the
    printed report)."""
    blocks = re.findall(r'<script type="application/json" id="figure-(\w+)">(.*?)</script>', html)
    return {name: json.loads(text) for name, text in blocks}


def review_charts(html: str) -> dict[str, dict]:
    """The review page's charts, as its charts request (data-charts-src) sends them, read back
    from their SVG and tables (tests/clinic/charts_html.py)."""
    found = {}
    for src in re.findall(r'data-charts-src="([^"]+)"', html):
        response = CHARTS_CLIENT[-1].get(html_lib.unescape(src))
        assert response.status_code == 200, response.get_data(as_text=True)
        found.update(read_charts(response.get_json()))
    return found


def series(chart: dict, name: str) -> dict:
    return chart["series"][name]


def kpi(html: str, name: str) -> str:
    match = re.search(rf'data-kpi="{name}">(.*?)</span>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def bulk_entries(app, patient, days: list[date], pain_of=lambda d: 5, **fields) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "patient_id": patient.id,
            "day": d,
            "recorded_at": now,
            "pain": pain_of(d),
            "symptoms": fields.get("symptoms", []),
            "body_sites": fields.get("body_sites", []),
            "medications": [],
            "side_effects": fields.get("side_effects", {}),
            "created_at": now,
            "updated_at": now,
        }
        for d in days
    ]
    with app.app_context():
        db.session.execute(insert(Entry), rows)
        db.session.commit()


@pytest.fixture
def story(app, make, client):
    """A patient at pain 8 in the week before an infusion 20 days ago, at 4 since; an older
    infusion 200 days ago; a scheduled one in 5 days. Signed in as the linked clinician."""
    clinician, patient = make.clinician(), make.patient(display_name="Robin", timezone="UTC")
    make.link(clinician, patient)
    today = datetime.now(UTC).date()
    infusion_day = today - timedelta(days=20)
    before = [infusion_day - timedelta(days=i) for i in range(1, 8)]
    after = [infusion_day + timedelta(days=i) for i in range(1, 21)]
    bulk_entries(app, patient, before, lambda d: 8, symptoms=["swelling", "burning"])
    bulk_entries(app, patient, after, lambda d: 4, body_sites=["left_hand"])
    make.entry(
        patient,
        infusion_day + timedelta(days=2),
        4,
        side_effects={"vivid_dreams": 3, "nausea": 1},
        note="Strange dreams for two nights",
    )
    recent = make.infusion(patient, clinician, infusion_day, exam_signs=["edema", "allodynia"])
    old = make.infusion(patient, clinician, today - timedelta(days=200))
    make.infusion(patient, clinician, today + timedelta(days=5))
    with app.app_context():
        db.session.add(
            WeeklyCheckin(
                patient_id=patient.id,
                day=today - timedelta(days=2),
                promis_pi={"pi_day_to_day": 2, "pi_work_home": 3, "pi_social": 2, "pi_chores": 3},
                pgic=2,
            )
        )
        db.session.commit()
    login(client, clinician)
    return {
        "patient": patient,
        "clinician": clinician,
        "today": today,
        "infusion_day": infusion_day,
        "recent": recent,
        "old": old,
    }


def test_key_figures_since_the_last_infusion(client, story):
    response = client.get(f"/clinic/patients/{story['patient'].id}")
    assert response.status_code == 200
    html = response.text
    assert kpi(html, "mean7") == "4.0"
    assert kpi(html, "change") == "-50%"
    assert "baseline 8.0; mean 4.0 over 7 days after the infusion (-4.0 pts" in html
    assert "Substantial improvement" in html
    assert kpi(html, "relief") == "Still in relief (at least 20 days)"
    # 8 diary symptoms items: continuing pain, oedema -> 2; plus 2 exam signs.
    assert kpi(html, "css") == "4/16"
    assert kpi(html, "checkin") == "10/20"
    assert "Vivid dreams or nightmares</strong>: severe" in html
    assert "Strange dreams for two nights" in html
    assert kpi(html, "next").endswith(str((story["today"] + timedelta(days=5)).year))
    assert "Relief duration is our own definition" in html  # the definition is stated


def test_infusion_table_shows_each_response(client, story):
    html = client.get(f"/clinic/patients/{story['patient'].id}?range=all").text
    table = html.split('data-table="infusions"')[1].split("</table>")[0]
    rows = re.findall(r"<tr data-session.*?>(.*?)</tr>", table, re.S)
    assert len(rows) == 2  # the scheduled session is not in the table
    assert story["infusion_day"].strftime("%d %b %Y") in rows[0] and "4/16" in rows[0]
    courses = html.split('data-table="courses"')[1].split("</table>")[0]
    course_rows = re.findall(r"<tr data-course.*?>(.*?)</tr>", courses, re.S)
    assert len(course_rows) == 2
    assert "Substantial improvement" in course_rows[0]
    assert "Not enough data" in course_rows[1]  # the old one has no diary around it


def test_figures_carry_the_series_with_gaps_and_infusion_markers(client, story):
    html = client.get(f"/clinic/patients/{story['patient'].id}?range=30").text
    charts = review_charts(html)
    assert set(charts) == {
        "pain",
        "symptoms",
        "body_sites",
        "aligned",
        "sleep",
        "side_effects",
        "dose_response",
        "safety",
    }
    pain = series(charts["pain"], "Pain now (daily mean)")
    assert pain["x"][-1] == story["today"].isoformat()
    # days -7..-1 before the infusion are 8; the infusion day itself has no entry: a gap
    infusion = story["infusion_day"]
    before = (infusion - timedelta(days=1)).isoformat()
    after = (infusion + timedelta(days=1)).isoformat()
    assert infusion.isoformat() not in pain["x"]
    assert pain["y"][pain["x"].index(before)] == 8 and pain["y"][pain["x"].index(after)] == 4
    (run_before,) = [run for run in pain["runs"] if before in run]
    assert after not in run_before and run_before[-1] == before  # not joined across the gap
    assert series(charts["pain"], "Infusion")["x"] == [infusion.isoformat()]
    assert charts["pain"]["rules"] == [infusion.isoformat()]
    lines = [s for name, s in charts["aligned"]["series"].items() if "Next" not in name]
    assert [s["name"] for s in lines] == [f"Course 2 ({infusion.isoformat()})"]
    assert lines[0]["x"][:7] == [str(o) for o in range(-7, 0)]
    assert lines[0]["y"][:7] == [8] * 7
    effects = charts["side_effects"]["rects"]
    assert ("vivid_dreams|" + f"Course 2 ({infusion.isoformat()})", 3, "#d7301f") in effects
    assert ["Vivid dreams or nightmares", "3 severe"] in charts["side_effects"]["table"]


def test_range_picker_changes_the_period_and_the_aligned_infusions(client, story):
    url = f"/clinic/patients/{story['patient'].id}"
    default = client.get(url).text
    assert 'aria-current="page">90 days' in default
    assert (
        "from " + (story["today"] - timedelta(days=89)).strftime("%-d %b %Y")
        in (review_charts(default)["pain"]["title"])
    )
    everything = review_charts(client.get(f"{url}?range=all").text)
    names = [n for n in everything["aligned"]["series"] if "Next" not in n]
    assert names == [
        f"Course 1 ({story['old'].started_at.date().isoformat()})",
        f"Course 2 ({story['infusion_day'].isoformat()})",
    ]
    assert (
        "from " + (story["today"] - timedelta(days=200)).strftime("%-d %b %Y")
        in (
            everything["pain"]["title"]  # the first infusion
        )
    )


def test_an_unknown_range_falls_back_with_a_notice(client, story):
    response = client.get(f"/clinic/patients/{story['patient'].id}?range=7000")
    assert response.status_code == 200
    assert "is not a range this page offers" in response.text
    assert 'aria-current="page">90 days' in response.text


def test_css_is_not_shown_without_an_exam(app, client, make):
    clinician, patient = make.clinician(), make.patient()
    make.link(clinician, patient)
    make.entry(patient, make.days_ago(3), 6, symptoms=["swelling"])
    make.infusion(patient, clinician, make.days_ago(1))
    login(client, clinician)
    html = client.get(f"/clinic/patients/{patient.id}").text
    assert kpi(html, "css") == "\N{EN DASH}"
    assert "Not shown: No exam signs have been recorded at any visit." in html


def test_css_is_not_shown_without_diary_entries_before_the_visit(app, client, make):
    clinician, patient = make.clinician(), make.patient()
    make.link(clinician, patient)
    make.entry(patient, make.days_ago(30), 6, symptoms=["swelling"])
    make.infusion(patient, clinician, make.days_ago(1), exam_signs=["edema"])
    login(client, clinician)
    html = client.get(f"/clinic/patients/{patient.id}").text
    assert "Not shown: No diary entries in the 7 days before this visit." in html


def test_a_patient_without_data_gets_a_page_not_an_error(client, make):
    clinician, patient = make.clinician(), make.patient()
    make.link(clinician, patient)
    login(client, clinician)
    for url in (
        f"/clinic/patients/{patient.id}?range=all",
        f"/clinic/patients/{patient.id}/report",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no infusion recorded yet" in response.text.lower()


def test_reading_the_review_is_audited(app, client, story):
    client.get(f"/clinic/patients/{story['patient'].id}")
    client.get(f"/clinic/patients/{story['patient'].id}/report")
    client.get(f"/api/v1/patients/{story['patient'].id}/summary")
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.patient_id)
            .where(AuditEvent.action != "auth.login")
            .order_by(AuditEvent.id)
        ).all()
    who = (story["clinician"].id, story["patient"].id)
    assert [(a, c, p) for a, c, p in events] == [
        ("review.read", *who),
        ("report.read", *who),
        ("summary.read", *who),
    ]


def test_unlinked_patients_review_report_summary_and_entries_are_404(client, make):
    clinician, stranger = make.clinician(), make.patient()
    make.entry(stranger, make.days_ago(1), 5)
    login(client, clinician)
    for url in (
        f"/clinic/patients/{stranger.id}",
        f"/clinic/patients/{stranger.id}/report",
        f"/api/v1/patients/{stranger.id}/summary",
        f"/api/v1/patients/{stranger.id}/entries",
    ):
        assert client.get(url).status_code == 404, url


def test_summary_api_gives_the_key_figures(client, story):
    body = client.get(f"/api/v1/patients/{story['patient'].id}/summary").get_json()
    assert body["mean_pain_7_days"] == 4.0
    assert body["baseline"] == 8.0
    assert body["change_pct"] == -50.0
    assert body["band"] == "substantial"
    assert body["last_infusion"]["relief"]["status"] == "ongoing"
    assert body["last_infusion"]["relief"]["days"] == 20
    assert body["css"] == 4
    assert body["next_infusion"]["scheduled"] is True
    assert body["side_effects_after_last_infusion"][0] == {
        "code": "vivid_dreams",
        "label": "Vivid dreams or nightmares",
        "severity": 3,
    }
    assert body["days_with_data_14"] == 14
    assert "relief" in body["definitions"]


def test_report_has_the_key_figures_and_two_charts(client, story):
    response = client.get(f"/clinic/patients/{story['patient'].id}/report")
    assert response.status_code == 200
    html = response.text
    assert "Pre-visit summary: Robin" in html
    assert kpi(html, "change") == "-50%"
    figs = figures(html)
    assert set(figs) == {"pain", "aligned"}
    assert figs["pain"]["layout"]["width"] == 680
    assert figs["pain"]["config"]["staticPlot"] is True
    assert "data-print" in html


def test_figure_json_in_a_script_block_cannot_close_it():
    from diary.charts import script_json

    text = script_json(json.dumps({"name": "</script><script>alert(1)</script> & <!--"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script> & <!--"}


def test_every_figure_the_app_makes_passes_plotlys_schema(app, client, make, story):
    """The app builds figures as plain dicts (no plotly.py validators per request); here each
    figure of the pre-visit report goes through go.Figure(), which raises on any property or
    value plotly's schema refuses. (The review's charts and the patient's trends are drawn as
    SVG on the server: tests/charts/test_review_svg.py, tests/patient/test_trends.py.)"""
    import plotly.graph_objects as go

    patient = story["patient"]
    seen = 0
    report = client.get(f"/clinic/patients/{patient.id}/report").text
    for figure in figures(report).values():
        go.Figure({"data": figure["data"], "layout": figure["layout"]})
        seen += 1
    assert seen == 2
    with pytest.raises(ValueError, match="colour"):  # the check does refuse a bad figure
        go.Figure({"data": [{"type": "scatter", "colour": "red"}], "layout": {}})


def test_side_effects_of_the_last_course_are_those_of_its_days_and_the_week_after(
    app, make, client
):
    """A course of sessions on L-2, L-1 and L (L = 20 days ago). Side effects reported on
    L-3 (the day before the course: nausea, severe), L-2 (its first day: dizziness, mild),
    L+7 (the last day of the week after it ended: vivid dreams, moderate) and L+8 (outside:
    headache, severe). The section lists dizziness and vivid dreams only, under the course's
    heading."""
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    last = datetime.now(UTC).date() - timedelta(days=20)
    reported = {-3: {"nausea": 3}, -2: {"dizziness": 1}, 7: {"vivid_dreams": 2}, 8: {"headache": 3}}
    for n, effects in reported.items():
        make.entry(patient, last + timedelta(days=n), 4, side_effects=effects)
    for n in (-2, -1, 0):
        make.infusion(patient, clinician, last + timedelta(days=n))
    login(client, clinician)
    html = client.get(f"/clinic/patients/{patient.id}").text
    section = html[html.index('id="side-effects-title"') : html.index('id="lab-notes-title"')]
    assert "Side effects of the last course</h2>" in section
    listed = re.findall(r"<li><strong>([^<]+)</strong>: (\w+)</li>", section)
    assert listed == [("Vivid dreams or nightmares", "moderate"), ("Dizziness", "mild")]
