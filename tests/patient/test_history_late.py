"""The history page marks an entry "Logged later" by the diary's on-time rule
(analysis.recorded_on_time: by the end of the next day, in the zone the entry was made in), the
rule the CSV's recorded_late, the review's late days and adherence use (until 7 Dec 2026 it
compared the day saved, in the settings zone, with the entry's day)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.factories import login


def _badges(html: str) -> dict[str, bool]:
    items = re.findall(r'<li class="entry[^"]*" data-entry-id="([^"]+)">(.*?)</li>', html, re.S)
    return {entry_id: "Logged later" in body for entry_id, body in items}


def _csv_late(client, patient_id) -> dict[str, str]:
    text = client.get(f"/api/v1/patients/{patient_id}/export.csv").get_data(as_text=True)
    return {row["entry_id"]: row["recorded_late"] for row in csv.DictReader(io.StringIO(text))}


def test_yesterdays_entry_saved_this_morning_is_on_time_everywhere(app, make, client):
    patient, clinician = make.patient(timezone="UTC"), make.clinician()
    make.link(clinician, patient)
    today = datetime.now(UTC).date()
    # Yesterday's diary, written at 00:30 today: the form offers "Yesterday" for exactly this.
    entry = make.entry(
        patient, today - timedelta(days=1), 5, recorded_at=datetime.combine(today, time(0, 30), UTC)
    )
    other = app.test_client()
    login(other, clinician)
    assert _csv_late(other, patient.id)[str(entry.id)] == "false"  # on time for the clinic
    login(client, patient)
    assert _badges(client.get("/diary/history").get_data(as_text=True))[str(entry.id)] is False


def test_entry_made_on_its_own_day_abroad_is_not_logged_later(app, make, client):
    """Settings zone London, phone in Auckland: an entry for an Auckland day, saved at 09:00 that
    day there (20:00 the day before in London and UTC)."""
    patient, clinician = make.patient(timezone="Europe/London"), make.clinician()
    make.link(clinician, patient)
    day = datetime.now(UTC).date() - timedelta(days=3)
    saved = datetime.combine(day, time(9), ZoneInfo("Pacific/Auckland")).astimezone(UTC)
    entry = make.entry(patient, day, 4, recorded_at=saved, timezone="Pacific/Auckland")
    other = app.test_client()
    login(other, clinician)
    assert _csv_late(other, patient.id)[str(entry.id)] == "false"
    login(client, patient)
    assert _badges(client.get("/diary/history").get_data(as_text=True))[str(entry.id)] is False
