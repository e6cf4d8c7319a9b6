"""Defect 7 of issue 8 (see test_review_defects.py): a patient's days are in their time zone,
and a phone that travels sends its own zone with the entry (service, API, settings)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from diary.errors import ValidationError
from diary.extensions import db
from diary.models import User
from diary.services import entries
from tests.factories import login


def test_defect7_a_traveller_logs_today_in_the_phones_zone(app, make):
    """Registered in London. At 12:00 UTC on 10 March 2026 it is 12:00 on 10 March in London
    and 01:00 on 11 March in Auckland (UTC+13). The phone in Auckland sends day 11 March with
    its zone: accepted and kept with the entry. Without the zone, 11 March is refused (not yet
    a day in London), as it was for everyone before."""
    patient = make.patient(timezone="Europe/London")
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    with app.app_context():
        user = db.session.get(User, patient.id)
        saved = entries.create_entry(
            user, {"pain": 4, "day": "2026-03-11", "timezone": "Pacific/Auckland"}, now=now
        )
        assert saved.entry.day == date(2026, 3, 11)
        assert saved.entry.timezone == "Pacific/Auckland"
        with pytest.raises(ValidationError) as refused:
            entries.create_entry(user, {"pain": 4, "day": "2026-03-11"}, now=now)
        assert refused.value.errors == {"day": ["This day has not happened yet."]}


def test_defect7_the_api_takes_the_zone_and_checks_the_day_against_it(app, make, client):
    """Pago Pago (UTC-11) and Kiritimati (UTC+14) are 25 hours apart, so today in Kiritimati is
    always a day that has not begun in Pago Pago: accepted only with the Kiritimati zone."""
    patient = make.patient(timezone="Pacific/Pago_Pago")
    token = login(client, patient)
    kiritimati_today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date().isoformat()
    refused = client.post(
        "/api/v1/entries", json={"pain": 3, "day": kiritimati_today}, headers={"X-CSRFToken": token}
    )
    assert refused.status_code == 422
    sent = client.post(
        "/api/v1/entries",
        json={"pain": 3, "day": kiritimati_today, "timezone": "Pacific/Kiritimati"},
        headers={"X-CSRFToken": token},
    )
    assert sent.status_code == 201, sent.get_json()
    assert sent.get_json()["timezone"] == "Pacific/Kiritimati"
    bad = client.post(
        "/api/v1/entries", json={"pain": 3, "timezone": "Mars/Base"}, headers={"X-CSRFToken": token}
    )
    assert bad.status_code == 422 and "timezone" in bad.get_json()["errors"]


def test_defect7_the_patient_changes_their_zone_in_settings(app, make, client):
    """The settings page stores a known zone and refuses anything else with a field message."""
    patient = make.patient(timezone="Europe/London")
    login(client, patient)
    html = client.get("/diary/settings").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    bad = client.post("/diary/settings", data={"csrf_token": token, "timezone": "Moon/Base"})
    assert bad.status_code == 422 and "Choose a time zone from the list." in bad.text
    ok = client.post("/diary/settings", data={"csrf_token": token, "timezone": "Pacific/Auckland"})
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.get(User, patient.id).timezone == "Pacific/Auckland"
