"""A patient's data in forms that can leave with them: CSV and a FHIR R4 Bundle."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from diary import fhir, measures
from diary.analysis import recorded_on_time
from diary.extensions import db
from diary.models import Infusion, User, utcnow
from diary.services.entries import list_entries

# The entry's own columns, then one per measure (diary.measures) in the registry's order.
CSV_COLUMNS = (
    "entry_id",
    "day",
    "recorded_at_utc",
    "recorded_late",
    *(m.csv_column for m in measures.MEASURES),
    "version",
)
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _guard(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _cell(value) -> str:
    """The cell's text, with every ';'-separated part that a spreadsheet would read as a formula
    prefixed by an apostrophe: lists are joined with ';', and a spreadsheet that splits on ';'
    (the usual CSV separator where ',' is the decimal comma) makes each part a cell of its own."""
    if value is None:
        return ""
    return ";".join(_guard(part) for part in str(value).split(";"))


def entries_csv(patient: User) -> str:
    """One row per live entry, oldest first. Sets are joined with ';', side effects as
    code:severity (0-4). `recorded_late` is true when the entry was not recorded on time: by the
    end of the day after its day, in the zone it was made in (analysis.ON_TIME_DEFINITION, the
    same rule the review counts adherence by)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in list_entries(patient.id):
        writer.writerow(
            _cell(v)
            for v in (
                e.id,
                e.day.isoformat(),
                e.recorded_at.isoformat(),
                "false"
                if recorded_on_time(e.day, e.recorded_at, e.timezone or patient.timezone)
                else "true",
                *(m.csv_text(m.of(e)) for m in measures.MEASURES),
                e.version,
            )
        )
    return out.getvalue()


def fhir_bundle(patient: User) -> dict:
    infusions = db.session.scalars(
        select(Infusion).where(Infusion.patient_id == patient.id).order_by(Infusion.started_at)
    )
    return fhir.patient_bundle(patient, list_entries(patient.id), list(infusions), utcnow())
