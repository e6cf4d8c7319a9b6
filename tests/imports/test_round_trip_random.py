"""A patient's CSV export imported into another patient gives the same entries, and the FHIR
export the same pain scores, 0-10 answers and notes (what the FHIR import reads), on seeded
random diaries written through the API (so stored as the diary's rules store them): texts and
medication lines from an alphabet of what breaks CSVs and spreadsheets (';' the list separator,
',', quotes, an apostrophe, '=', '+', '-', '@' and a tab that a spreadsheet takes for a
formula, line breaks, a backslash, accents, an emoji), with spaces around. The seeds are fixed:
every run tries the same diaries, and a failure names its seed."""

from __future__ import annotations

import csv
import io
import random

import pytest
from sqlalchemy import select

from diary.extensions import db
from diary.models import Entry
from diary.services import fhir_import
from diary.services.entries import content_of
from tests.factories import login
from tests.imports.test_csv_import import post_import
from tests.imports.test_fhir_import import post_bundle

ALPHABET = [*"ab xz;,'\"=+-@\t\n\\é🙂:", "'=", "; -", ";'-)", "=SUM(A1)"]
SYMPTOMS = ["burning", "allodynia", "swelling"]
SITES = ["right_hand", "left_foot", "other"]


def _text(rng: random.Random, longest: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, longest)))


def _entry(rng: random.Random, day: str) -> dict:
    body = {
        "day": day,
        "pain": rng.randint(0, 10),
        "symptoms": rng.sample(SYMPTOMS, rng.randint(0, 2)),
        "body_sites": rng.sample(SITES, rng.randint(0, 2)),
        "medications": [_text(rng, 12) for _ in range(rng.randint(0, 3))],
        "side_effects": {"nausea": rng.randint(0, 4)},
    }
    for field, longest in (("note", 40), ("body_site_other", 20), ("side_effect_other", 20)):
        if rng.random() < 0.7:
            body[field] = _text(rng, longest)
    if rng.random() < 0.5:
        body["sleep_hours"] = rng.choice((0, 6.5, 7.2, 24))
    for code in ("pain_worst", "pain_average", "peg_enjoyment", "peg_activity", "mood"):
        if rng.random() < 0.5:
            body[code] = rng.randint(0, 10)
    if rng.random() < 0.5:  # at most the worst pain (the rules refuse more)
        body["pain_least"] = rng.randint(0, body.get("pain_worst", 10))
    return body


def _written(client, token, rng: random.Random, make) -> None:
    """Twelve random entries of the days 2 to 6 days ago (an import takes days before
    yesterday), through the API."""
    for i in range(12):
        body = _entry(rng, make.days_ago(2 + i % 5).isoformat())
        response = client.post("/api/v1/entries", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 201, (body, response.get_json())


def _round_trip(client, make, seed: int, export, send):
    """The seed's twelve entries written by a patient, `export(client)` of them (signed in as
    the patient), and that sent into a new patient by their clinician (`send`: post_import or
    post_bundle): every entry stored, none rejected. The two patients."""
    source, target, clinician = make.patient(), make.patient(), make.clinician()
    make.link(clinician, target)
    token = login(client, source)
    _written(client, token, random.Random(seed), make)
    exported = export(client)
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    response = send(client, login(client, clinician), target, exported)
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["stored"], report["rejected"]) == (12, []), report["rejected"]
    return source, target


def _stored(patient, fields: tuple[str, ...] | None = None) -> list:
    """The patient's entries, in a fixed order: their content (as content_of gives it, but
    recorded_at, which an import sets) or, with `fields`, those fields."""
    rows = db.session.scalars(select(Entry).where(Entry.patient_id == patient.id)).all()
    if fields is None:
        found = [content_of(e) | {"recorded_at": None} for e in rows]
    else:
        found = [tuple(getattr(e, f) for f in fields) for e in rows]
    return sorted(found, key=repr)


@pytest.mark.parametrize("seed", range(1, 6))
def test_a_random_diary_comes_back_from_its_csv_as_it_was(app, client, make, seed):
    def export(client):
        text = client.get("/api/v1/me/export.csv").get_data(as_text=True)
        assert len(list(csv.DictReader(io.StringIO(text)))) == 12
        return text

    source, target = _round_trip(client, make, seed, export, post_import)
    with app.app_context():
        assert _stored(target) == _stored(source)


# What the FHIR import reads of the diary's own Observations (services/fhir_import.py).
FHIR_READ = ("day", "pain", *(m.code for m in fhir_import.NUMBERS.values()), "note")


@pytest.mark.parametrize("seed", range(1, 6))
def test_a_random_diary_comes_back_from_its_fhir_bundle_as_it_was(app, client, make, seed):
    def export(client):
        return client.get("/api/v1/me/fhir").get_json()

    source, target = _round_trip(client, make, seed, export, post_bundle)
    with app.app_context():
        assert _stored(target, FHIR_READ) == _stored(source, FHIR_READ)
