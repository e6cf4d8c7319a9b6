"""The weekly check-in: PROMIS Pain Interference 4a and the PGIC."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from diary import codes
from diary.extensions import db
from diary.models import WeeklyCheckin
from tests.factories import login

ITEMS = [item.code for item in codes.PROMIS_PI_4A_ITEMS]


def _token(client) -> str:
    html = client.get("/diary/checkin").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _checkin(app, patient, days_ago: int) -> None:
    with app.app_context():
        db.session.add(
            WeeklyCheckin(
                patient_id=patient.id,
                day=(datetime.now(UTC) - timedelta(days=days_ago)).date(),
                recorded_at=datetime.now(UTC) - timedelta(days=days_ago),
                promis_pi=dict.fromkeys(ITEMS, 2),
                pgic=3,
            )
        )
        db.session.commit()


def test_diary_asks_for_the_weekly_checkin_when_none_this_week(app, client, make):
    patient = make.patient(timezone="UTC")
    login(client, patient)
    assert "Weekly check-in" in client.get("/diary").get_data(as_text=True)
    _checkin(app, patient, 2)
    assert "Weekly check-in" not in client.get("/diary").get_data(as_text=True)


def test_checkin_is_asked_again_a_week_later(app, client, make):
    patient = make.patient(timezone="UTC")
    _checkin(app, patient, 7)
    login(client, patient)
    assert "Weekly check-in" in client.get("/diary").get_data(as_text=True)


def test_checkin_is_asked_in_the_days_before_a_scheduled_infusion(app, client, make):
    patient = make.patient(timezone="UTC")
    _checkin(app, patient, 4)
    make.infusion(patient, None, make.days_ago(-2))  # scheduled in two days
    login(client, patient)
    page = client.get("/diary").get_data(as_text=True)
    assert "Before your infusion" in page


def test_checkin_form_saves_all_answers(app, client, make):
    patient = make.patient()
    login(client, patient)
    page = client.get("/diary/checkin").get_data(as_text=True)
    assert "PROMIS Health Organization" in page  # attribution
    form = {"csrf_token": _token(client), "pgic": "2"} | dict.fromkeys(ITEMS, "4")
    assert client.post("/diary/checkin", data=form).status_code == 302
    with app.app_context():
        [stored] = db.session.scalars(select(WeeklyCheckin)).all()
        assert stored.promis_pi == dict.fromkeys(ITEMS, 4) and stored.pgic == 2


def test_incomplete_checkin_is_refused_per_question(app, client, make):
    login(client, make.patient())
    form = {"csrf_token": _token(client), ITEMS[0]: "3"}
    response = client.post("/diary/checkin", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count("Choose an answer from 1 (not at all) to 5 (very much).") == 3
    assert "Choose an answer from 1 (very much improved) to 7 (very much worse)." in page
    with app.app_context():
        assert db.session.scalars(select(WeeklyCheckin)).all() == []


def test_checkin_api_is_idempotent_and_checks_ranges(client, make):
    token = login(client, make.patient())
    headers = {"X-CSRFToken": token}
    body = {"id": "6f1c1d4e-9a55-4c1e-9f43-0c3f5f9ad001", "promis_pi": dict.fromkeys(ITEMS, 5)}
    first = client.post("/api/v1/checkins", json=body | {"pgic": 7}, headers=headers)
    again = client.post("/api/v1/checkins", json=body | {"pgic": 7}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    bad = client.post(
        "/api/v1/checkins", json={"promis_pi": {ITEMS[0]: 6}, "pgic": 0}, headers=headers
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) >= {f"promis_pi.{ITEMS[0]}", "pgic"}
    assert len(client.get("/api/v1/checkins").get_json()) == 1
    assert client.get("/api/v1/checkins/due").get_json()["due"] is False
