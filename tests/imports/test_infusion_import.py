"""Importing a patient's infusion history: a CSV of sessions with the infusion export's
columns, checked by the same rules as the clinic's form."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from diary.extensions import db
from diary.models import Infusion
from diary.services import exports, infusions
from diary.services.exports import INFUSION_CSV_COLUMNS
from tests.factories import login
from tests.imports.test_csv_import import csv_text, post_import

COMPARED = ("started_at", *infusions.FIELDS[1:])


def _sessions(app, patient) -> list[dict]:
    with app.app_context():
        return [
            {name: getattr(i, name) for name in COMPARED}
            for i in db.session.scalars(
                select(Infusion)
                .where(Infusion.patient_id == patient.id)
                .order_by(Infusion.started_at)
            )
        ]


def _source_and_target(make):
    """A patient with sessions to export, a patient to import them into, and the clinician
    linked to the second."""
    source, target, clinician = make.patient(), make.patient(), make.clinician()
    make.link(clinician, target)
    return source, target, clinician


def _csv(app, patient) -> str:
    with app.app_context():
        return exports.infusions_csv(db.session.merge(patient))


def test_infusion_csv_imported_into_a_new_patient_gives_the_same_sessions(app, client, make):
    source, target, clinician = _source_and_target(make)
    make.infusion(
        source,
        clinician,
        make.days_ago(30),
        duration_minutes=240,
        dose_mg=67.5,
        rate_mg_kg_h=0.5,
        adjuncts=["midazolam 2 mg", "clonidine"],
        pain_pre=8,
        pain_post=4,
        adverse_events="-mild nausea",
        lab_notes="LFT normal",
        notes="second day of course",
        exam_signs=["allodynia", "edema"],
    )
    make.infusion(source, clinician, make.days_ago(20), exam_signs=[])
    make.infusion(source, None, make.days_ago(10))
    text = _csv(app, source)
    assert next(csv.reader(io.StringIO(text))) == list(INFUSION_CSV_COLUMNS)
    token = login(client, clinician)
    response = post_import(client, token, target, text, kind="infusions")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["stored"] == 3
    assert _sessions(app, target) == _sessions(app, source)
    with app.app_context():
        rows = db.session.scalars(select(Infusion).where(Infusion.patient_id == target.id))
        assert {(i.imported, i.clinician_id) for i in rows} == {(True, clinician.id)}
    again = post_import(client, token, target, text, kind="infusions").get_json()
    assert (again["stored"], again["skipped"]) == (0, 3)


def test_texts_that_look_like_formulas_come_back_from_the_csv_as_written(app, client, make):
    """Each ';'-part a spreadsheet would take for a formula is written with an apostrophe and
    read back without it: adjuncts "- midazolam 2 mg" and "@clonidine" are the cell
    "'- midazolam 2 mg;'@clonidine"; adverse events "nausea ;-) then fine" is
    "nausea ;'-) then fine"; lab notes "'=typed" (the apostrophe typed) is "''=typed"."""
    source, target, clinician = _source_and_target(make)
    make.infusion(
        source,
        clinician,
        make.days_ago(30),
        adjuncts=["- midazolam 2 mg", "@clonidine"],
        adverse_events="nausea ;-) then fine",
        lab_notes="'=typed",
        notes="+1 day;=SUM(A1)",
    )
    text = _csv(app, source)
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["adjuncts"] == "'- midazolam 2 mg;'@clonidine"
    assert row["adverse_events"] == "nausea ;'-) then fine"
    assert row["lab_notes"] == "''=typed"
    assert row["notes"] == "'+1 day;'=SUM(A1)"
    response = post_import(client, login(client, clinician), target, text, kind="infusions")
    assert response.status_code == 200, response.get_json()
    assert _sessions(app, target) == _sessions(app, source)


def test_bad_sessions_are_reported_by_line_column_and_reason(app, client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    rows = [
        {"started_at": "2025-03-01T09:00:00+00:00", "dose_mg": "60", "pain_pre": "7"},
        {"started_at": "2025-03-08T09:00:00", "dose_mg": "60"},
        {"started_at": "2025-03-15T09:00:00+00:00", "dose_mg": "0", "pain_pre": "12"},
        {"started_at": "2025-03-22T09:00:00+00:00", "exam_signs": "allodynia;glowing"},
        {"started_at": "", "dose_mg": "60"},
    ]
    token = login(client, clinician)
    text = csv_text(rows, INFUSION_CSV_COLUMNS)
    report = post_import(client, token, patient, text, kind="infusions").get_json()
    assert report["rejected"] == [
        {"line": 3, "column": "started_at", "reason": "Give the time with its time zone."},
        {
            "line": 4,
            "column": "dose_mg",
            "reason": "Enter the total dose in mg, above 0 and at most 10000.",
        },
        {
            "line": 4,
            "column": "pain_pre",
            "reason": "Pain before the session is a whole number from 0 to 10.",
        },
        {"line": 5, "column": "exam_signs", "reason": "Unknown sign: glowing."},
        {"line": 6, "column": "started_at", "reason": "Enter the date and time of the session."},
    ]
    assert report["stored"] == 1
    assert [s["pain_pre"] for s in _sessions(app, patient)] == [7]
    none = post_import(client, token, patient, text, kind="infusions", all_or_nothing=True)
    assert none.status_code == 422 and len(_sessions(app, patient)) == 1
