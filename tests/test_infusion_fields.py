"""The infusion session's fields are declared once (diary/infusion_fields.py); every place that
lists them derives from that list or is checked against it here, so a field added to the list
but missing from one place (the model, the API, the rules, the CSV export or import, FHIR, the
clinic's form) fails a test."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, select
from werkzeug.datastructures import MultiDict

from diary import fhir, infusion_fields
from diary.api.schemas import InfusionInSchema, InfusionOutSchema
from diary.clinic.infusion_form import form_values, infusion_from_form
from diary.extensions import db
from diary.infusion_fields import Kind
from diary.models import Infusion
from diary.services import exports, infusion_import, infusions

START = datetime(2026, 3, 2, 9, tzinfo=UTC)  # the time make.infusion gives
NOW = START + timedelta(days=30)  # the export's time: every sample session has ended
# Two different values of each kind that the rules accept ("a" for a session in the past).
SAMPLES = {
    Kind.MOMENT: (START, START + timedelta(days=1)),
    Kind.WHOLE: (7, 3),
    Kind.NUMBER: (0.75, 2.5),
    Kind.LIST: (["midazolam 2 mg", "clonidine"], ["ondansetron"]),
    Kind.TEXT: ("=nausea; settled", "none"),
    Kind.SIGNS: (["allodynia", "edema"], []),
    Kind.CHOICE: ("new_course", None),
}


def _sample(which: int) -> dict:
    return {f.name: SAMPLES[f.kind][which] for f in infusion_fields.FIELDS}


def test_every_field_is_a_model_column_and_in_both_api_schemas():
    names = set(infusion_fields.NAMES)
    assert names <= set(inspect(Infusion).columns.keys())
    assert set(InfusionInSchema().fields) == names
    assert names <= set(InfusionOutSchema().fields)


def test_the_rules_answer_every_field_and_nothing_else():
    assert set(infusions.clean(_sample(0), now=START + timedelta(days=2))) == set(
        infusion_fields.NAMES
    )


def test_the_csv_export_writes_every_csv_field_and_the_import_reads_each_back(app, make):
    """Export a session whose every field is set, import the file for another patient: each
    CSV field comes back as it was; course_rule (not exported) stays automatic; the last
    column is the zone the session's day is counted in (the source patient's), kept."""
    source, target, clinician = make.patient(), make.patient(), make.clinician()
    make.infusion(
        source,
        clinician,
        START.date(),
        **{k: v for k, v in _sample(0).items() if k != "started_at"},
    )
    with app.app_context():
        text = exports.infusions_csv(db.session.merge(source))
        header, row = list(csv.reader(io.StringIO(text)))
        assert header == [
            "infusion_id",
            *(f.name for f in infusion_fields.CSV_FIELDS),
            "timezone",
        ]
        assert all(row), dict(zip(header, row, strict=True))  # no field written empty
        report = infusion_import.import_infusions_csv(
            db.session.merge(target), text, by=db.session.merge(clinician)
        )
        assert (report.stored, report.rejected) == (1, [])
        copy = db.session.scalars(select(Infusion).where(Infusion.patient_id == target.id)).one()
        sample = _sample(0)
        for f in infusion_fields.FIELDS:
            assert getattr(copy, f.name) == (sample[f.name] if f.csv else None), f.name
        assert copy.timezone == db.session.merge(source).timezone


def test_fhir_carries_each_field_where_declared_and_no_other(app, make):
    """Change one field at a time: the MedicationAdministration changes exactly in the element
    the declaration names (and not at all for a field declared as not sent)."""
    patient = make.patient()
    with app.app_context():
        patient = db.session.merge(patient)
        base = fhir.infusion_administration(Infusion(id=1, **_sample(0)), patient, NOW)
        for f in infusion_fields.FIELDS:
            changed = {**_sample(0), f.name: SAMPLES[f.kind][1]}
            other = fhir.infusion_administration(Infusion(id=1, **changed), patient, NOW)
            differs = {key for key in base.keys() | other.keys() if base.get(key) != other.get(key)}
            assert differs == {*f.fhir, *([fhir.NOTE_ELEMENT] if f.fhir_note else [])}, f.name


def test_fhir_notes_keep_their_declared_order(app, make):
    patient = make.patient()
    with app.app_context():
        session = Infusion(id=1, started_at=START, notes="n", adverse_events="a", lab_notes="l")
        resource = fhir.infusion_administration(session, db.session.merge(patient), NOW)
    assert [n["text"] for n in resource["note"]] == ["n", "a", "l"]


def test_the_clinic_form_shows_and_reads_every_field():
    tz = UTC
    sample = _sample(0)
    shown = form_values(Infusion(**sample), tz)
    # started_at is shown as a date and a time; every other field under its own name.
    assert set(shown) >= (set(infusion_fields.NAMES) - {"started_at"}) | {"date", "time"}
    form = MultiDict({k: v for k, v in shown.items() if k != "exam_signs"} | {"exam": "yes"})
    for sign in shown["exam_signs"]:
        form.add("exam_signs", sign)
    read = infusion_from_form(form, tz)
    assert set(read) == set(infusion_fields.NAMES)
    assert infusions.clean(read, now=START + timedelta(days=2)) == infusions.clean(
        sample, now=START + timedelta(days=2)
    )
