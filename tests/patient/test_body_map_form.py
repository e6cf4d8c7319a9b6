"""The body map on the diary form without JavaScript (its check boxes post), and "same as
yesterday" without JavaScript (/diary?copy=yesterday fills the form on the server)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from diary import codes
from diary.extensions import db
from diary.models import Entry
from tests.factories import login


def _token(client) -> str:
    html = client.get("/diary").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_every_region_is_a_named_check_box_and_each_body_site_is_offered_once(client, make):
    login(client, make.patient())
    html = client.get("/diary").get_data(as_text=True)
    boxes = re.findall(r'type="checkbox" name="body_sites" value="([a-z_]+)"', html)
    assert sorted(boxes) == sorted(codes.BODY_SITE_CODES)
    assert len(boxes) == len(set(boxes))
    for region in ("elbow", "upper arm", "lower leg"):
        assert any(region in r.label.lower() for r in codes.BODY_MAP_REGIONS)
    # each box's name says its side
    assert '<span class="chip__label">Left upper arm</span>' in html
    assert '<span class="chip__label">Right elbow</span>' in html
    # the two outlines, drawn with a shape per region, hidden from screen readers
    assert html.count('class="bodymap__svg"') == 2
    assert 'data-region="left_elbow"' in html and 'aria-hidden="true"' in html
    assert "style=" not in html


def test_ticked_regions_post_without_javascript_and_show_on_the_edit_form(app, client, make):
    login(client, make.patient())
    response = client.post(
        "/diary",
        data={
            "csrf_token": _token(client),
            "pain": "6",
            "body_sites": ["left_elbow", "right_upper_arm", "left_arm"],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        [entry] = db.session.scalars(select(Entry)).all()
    assert entry.body_sites == ["left_elbow", "right_upper_arm", "left_arm"]
    html = client.get(f"/diary/entries/{entry.id}/edit").get_data(as_text=True)
    assert re.search(r'value="left_elbow" checked', html)
    assert re.search(r'value="right_upper_arm" checked', html)
    # the figure shows the chosen regions before any script runs
    assert re.search(r'class="bodymap__region is-chosen" data-region="left_elbow"', html)
    assert not re.search(r'class="bodymap__region is-chosen" data-region="right_elbow"', html)


def test_new_codes_reach_fhir_with_their_snomed_code(client, make):
    patient = make.patient()
    make.entry(patient, body_sites=["left_elbow", "right_upper_arm"])
    login(client, patient)
    bundle = client.get("/api/v1/me/fhir").get_json()
    text = str(bundle)
    assert "127949000" in text and "40983000" in text


def test_same_as_yesterday_without_javascript_fills_all_but_pain(app, client, make):
    """Yesterday: two entries (burning + left hand + "gabapentin 300 mg"; swelling + left wrist
    + the same medication again). The copy is their union; pain stays unchosen."""
    patient = make.patient(timezone="UTC")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    make.entry(
        patient,
        yesterday,
        7,
        symptoms=["burning"],
        body_sites=["left_hand"],
        medications=["gabapentin 300 mg"],
    )
    make.entry(
        patient,
        yesterday,
        8,
        symptoms=["swelling"],
        body_sites=["left_wrist"],
        medications=["gabapentin 300 mg", "paracetamol 1 g"],
    )
    login(client, patient)
    html = client.get("/diary?copy=yesterday").get_data(as_text=True)
    assert "Copied from yesterday" in html
    checked = re.findall(r'name="(\w+)" value="([a-z_]+)" checked', html)
    assert sorted(checked) == [
        ("body_sites", "left_hand"),
        ("body_sites", "left_wrist"),
        ("symptoms", "burning"),
        ("symptoms", "swelling"),
    ]
    assert re.search(r'<textarea id="medications"[^>]*>gabapentin 300 mg\nparacetamol 1 g<', html)
    assert not re.search(r'name="pain" value="\d+" checked', html)


def test_same_as_yesterday_ticks_usual_medications_and_data_is_in_the_page(app, client, make):
    patient = make.patient(timezone="UTC")
    token = login(client, patient)
    client.post(
        "/api/v1/me/medications",
        json={"name": "gabapentin", "dose": "300 mg"},
        headers={"X-CSRFToken": token},
    )
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    make.entry(patient, yesterday, medications=["gabapentin 300 mg", "ibuprofen"])
    make.entry(patient, yesterday - timedelta(days=5), symptoms=["burning"])  # too old
    html = client.get("/diary?copy=yesterday").get_data(as_text=True)
    assert 'value="gabapentin 300 mg" checked' in html
    assert re.search(r'<textarea id="medications"[^>]*>ibuprofen<', html)
    data = re.search(r'<script type="application/json" id="recent-days">(.*?)</script>', html)
    assert yesterday.isoformat() in data.group(1) and "burning" not in data.group(1)


def test_same_as_yesterday_without_an_entry_says_so(client, make):
    login(client, make.patient())
    html = client.get("/diary?copy=yesterday").get_data(as_text=True)
    assert "Nothing was saved for yesterday, so there is nothing to copy." in html
