"""A patient's data in forms that can leave with them: CSV and a FHIR R4 Bundle.

The CSV columns defined here are also the columns the importers read (services/imports.py,
services/infusion_import.py), so an export imports back as it was.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from diary import fhir, infusion_fields, measures
from diary.analysis import recorded_on_time
from diary.extensions import db
from diary.infusion_fields import Kind as InfusionKind
from diary.models import Entry, Infusion, User, WeeklyCheckin, utcnow
from diary.services import carers
from diary.services.entries import list_entries

# The entry's own columns, then one per measure (diary.measures) in the registry's order.
CSV_COLUMNS = (
    "entry_id",
    "day",
    "recorded_at_utc",
    "recorded_late",
    *(m.csv_column for m in measures.MEASURES),
    "version",
    # Who typed the entry: "patient", "carer: <name>" (a proxy entry) or "import".
    "entered_by",
)
# The session's id, then its fields that leave in CSV (diary.infusion_fields), in declared order.
INFUSION_CSV = infusion_fields.CSV_FIELDS
# `timezone`: the IANA zone the session's local day is counted in (its own, kept when the
# patient changed theirs, else the patient's): the import keeps it, so the day never moves.
INFUSION_CSV_COLUMNS = ("infusion_id", *(f.name for f in INFUSION_CSV), "timezone")
# exam_signs: empty = no exam recorded; this word = examined, no sign found.
NO_SIGNS = "none"
STREAM_BATCH = 500
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guarded(text: str) -> bool:
    """Whether the export writes `text` (one ';'-part of a cell) with one apostrophe more: it
    starts with a formula's first character, after any apostrophes it begins with. So an
    apostrophe the patient typed before = (or +, -, @, a tab) is never taken for the guard
    on the way back in (services/imports.unguard)."""
    return text.lstrip("'").startswith(FORMULA_START)


def _guard(text: str) -> str:
    return "'" + text if guarded(text) else text


def _cell(value) -> str:
    """The cell's text, with every ';'-separated part that a spreadsheet would read as a formula
    prefixed by an apostrophe: lists are joined with ';', and a spreadsheet that splits on ';'
    (the usual CSV separator where ',' is the decimal comma) makes each part a cell of its own."""
    if value is None:
        return ""
    sep = measures.LIST_SEPARATOR
    return sep.join(_guard(part) for part in str(value).split(sep))


def entries_csv(patient: User) -> str:
    """One row per live entry, oldest first. Sets are joined with ';', side effects as
    code:severity (0-4). `recorded_late` is true when the entry was not recorded on time: by the
    end of the day after its day, in the zone it was made in (analysis.ON_TIME_DEFINITION, the
    same rule the review counts adherence by)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    proxies = carers.proxy_names(patient.id)
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
                carers.entered_by_label(e, proxies),
            )
        )
    return out.getvalue()


def infusions_csv(patient: User) -> str:
    """One row per session (scheduled ones too), oldest first. Adjuncts and exam signs are
    joined with ';'; exam_signs is empty when no exam was recorded and "none" when the exam
    found no sign; timezone is the zone its day is counted in."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(INFUSION_CSV_COLUMNS)
    for i in _infusions(patient):
        cells = (_infusion_text(f, getattr(i, f.name)) for f in INFUSION_CSV)
        writer.writerow(_cell(v) for v in (i.id, *cells, i.timezone or patient.timezone or "UTC"))
    return out.getvalue()


def _infusion_text(f: infusion_fields.InfusionField, value: Any) -> Any:
    """A session's field as its CSV cell (read back by services/infusion_import.py)."""
    if f.kind is InfusionKind.MOMENT:
        return value.isoformat()
    if f.kind is InfusionKind.LIST:
        return measures.LIST_SEPARATOR.join(value or [])
    if f.kind is InfusionKind.SIGNS:
        return "" if value is None else (measures.LIST_SEPARATOR.join(value) or NO_SIGNS)
    return value


def _infusions(patient: User) -> list[Infusion]:
    return list(
        db.session.scalars(
            select(Infusion)
            .where(Infusion.patient_id == patient.id)
            .order_by(Infusion.started_at, Infusion.id)
        )
    )


def fhir_chunks(patient: User) -> Iterator[str]:
    """The FHIR Bundle's JSON text in pieces, reading the entries in batches (a five-year diary
    never sits in memory whole)."""
    infusions = _infusions(patient)
    now = utcnow()
    rows = db.session.scalars(
        select(Entry)
        .where(Entry.patient_id == patient.id, Entry.deleted_at.is_(None))
        .order_by(Entry.day, Entry.recorded_at, Entry.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    yield from fhir.bundle_chunks(
        patient,
        rows,
        infusions,
        now,
        carers=carers.proxy_carers(patient.id),
        checkins=_checkins(patient),
    )


def fhir_bundle(patient: User) -> dict:
    return fhir.patient_bundle(
        patient,
        list_entries(patient.id),
        _infusions(patient),
        utcnow(),
        carers=carers.proxy_carers(patient.id),
        checkins=_checkins(patient),
    )


def _checkins(patient: User) -> list[WeeklyCheckin]:
    """The patient's weekly check-ins, oldest first (a few hundred for five years)."""
    return list(
        db.session.scalars(
            select(WeeklyCheckin)
            .where(WeeklyCheckin.patient_id == patient.id)
            .order_by(WeeklyCheckin.day, WeeklyCheckin.recorded_at, WeeklyCheckin.id)
        )
    )
