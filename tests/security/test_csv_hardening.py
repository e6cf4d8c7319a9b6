"""CSV exports are never cached, and no part of a cell becomes a spreadsheet formula, even in a
spreadsheet that splits cells on ';'."""

from __future__ import annotations

import csv
import io

from tests.factories import login

FORMULAS = ["+cmd|' /C calc'!A0", '=HYPERLINK("http://evil")', "-2+3", "@SUM(A1)"]


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_csv_exports_are_not_stored_by_any_cache(client, make):
    clinician, patient = make.clinician(), make.patient()
    make.link(clinician, patient)
    make.entry(patient, make.days_ago(1), 4)
    login(client, patient)
    mine = client.get("/api/v1/me/export.csv")
    assert mine.status_code == 200 and mine.headers["Cache-Control"] == "no-store"
    login(client, clinician)
    theirs = client.get(f"/api/v1/patients/{patient.id}/export.csv")
    assert theirs.status_code == 200 and theirs.headers["Cache-Control"] == "no-store"


def test_every_medication_is_guarded_not_only_the_first(client, make):
    patient = make.patient()
    make.entry(patient, make.days_ago(1), 4, medications=["aspirin", *FORMULAS])
    login(client, patient)
    cell = _rows(client.get("/api/v1/me/export.csv"))[0]["medications"]
    parts = cell.split(";")
    assert parts[0] == "aspirin"
    assert parts[1:] == ["'" + f for f in FORMULAS]
    # Read as a ';'-separated spreadsheet would: no part starts a formula.
    assert not any(part.startswith(("=", "+", "-", "@")) for part in parts)


def test_free_text_parts_after_a_semicolon_are_guarded_too(client, make):
    patient = make.patient()
    make.entry(patient, make.days_ago(1), 4, note="fine;=cmd()", side_effect_other="a;+b")
    login(client, patient)
    row = _rows(client.get("/api/v1/me/export.csv"))[0]
    assert row["note"] == "fine;'=cmd()"
    assert row["side_effect_other"] == "a;'+b"
