"""The review page's charts come as one JSON document after the page: small page, key figures
at once; the document is audited, scoped to linked patients, documented, checked for its range,
and computed once per data version of the patient."""

from __future__ import annotations

import re

from sqlalchemy import select

from diary.extensions import db
from diary.models import AuditEvent
from diary.services import review
from tests.clinic.charts_html import read_charts
from tests.factories import login


def _story(make):
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    for i in range(10):
        make.entry(patient, make.days_ago(i), 2 + i % 3, body_sites=["left_hand"])
    return clinician, patient


def test_page_links_its_charts_and_carries_no_figure(client, make):
    clinician, patient = _story(make)
    login(client, clinician)
    html = client.get(f"/clinic/patients/{patient.id}?range=30").text
    src = re.search(r'data-charts-src="([^"]+)"', html).group(1)
    assert src == f"/api/v1/patients/{patient.id}/review/charts?range=30"
    assert f'rel="preload" as="fetch" crossorigin="anonymous" href="{src}"' in html
    assert 'type="application/json"' not in html  # no figure in the page itself
    assert 'data-chart="pain"' in html and 'data-kpi="mean7"' in html


def test_charts_document_has_every_figure_of_the_range(app, client, make):
    clinician, patient = _story(make)
    login(client, clinician)
    response = client.get(f"/api/v1/patients/{patient.id}/review/charts?range=30")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["range"] == "30" and body["weekly"] is False
    assert set(body["charts"]) == {
        "pain", "symptoms", "body_sites", "aligned", "sleep", "side_effects",
        "dose_response", "safety",
    }  # fmt: skip
    charts = read_charts(body)
    pain = charts["pain"]["series"]["Pain now (daily mean)"]
    assert pain["x"][-1] == make.days_ago(0).isoformat() and pain["y"][-1] == 2  # 2 + 0 % 3
    assert charts["body_sites"]["rects"] == [("left_hand", 10, "#0072B2")]  # all 10 days
    assert charts["body_sites"]["table"][1:] == [["Left hand", "10"]]
    for name, chart in charts.items():  # drawn, described, and its numbers in a table
        assert chart["empty"] or (chart["title"] and chart["table"]), name
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.patient_id == patient.id)
        ).all()
    assert "review.charts.read" in actions


def test_over_a_year_the_charts_are_weekly(client, make):
    clinician, patient = _story(make)
    make.entry(patient, make.days_ago(500), 7)
    login(client, clinician)
    body = client.get(f"/api/v1/patients/{patient.id}/review/charts?range=all").get_json()
    assert body["weekly"] is True
    names = read_charts(body)["pain"]["series"]
    assert "Pain now (weekly mean)" in names and "7-day mean" not in names


def test_charts_refuse_a_bad_range_and_other_patients(client, make):
    clinician, patient = _story(make)
    stranger = make.patient()
    login(client, clinician)
    bad = client.get(f"/api/v1/patients/{patient.id}/review/charts?range=7")
    assert bad.status_code == 422
    assert "range" in bad.get_json()["errors"]
    assert client.get(f"/api/v1/patients/{stranger.id}/review/charts").status_code == 404
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/patients/{patient_id}/review/charts"]["get"]
    assert {"200", "404", "422"} <= set(operation["responses"])
    assert operation["parameters"][-1]["name"] == "range"


def test_charts_are_computed_once_per_data_version(client, make, monkeypatch):
    clinician, patient = _story(make)
    calls = []
    real = review.review_charts

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(review, "review_charts", counting)
    token = login(client, clinician)
    url = f"/api/v1/patients/{patient.id}/review/charts?range=90"
    first = client.get(url).data
    assert client.get(url).data == first and calls == ["90"]
    created = client.post(
        f"/api/v1/patients/{patient.id}/infusions",
        json={"started_at": "2026-01-10T09:00:00+00:00", "dose_mg": 50},
        headers={"X-CSRFToken": token},
    )
    assert created.status_code == 201
    assert client.get(url).status_code == 200 and calls == ["90", "90"]
