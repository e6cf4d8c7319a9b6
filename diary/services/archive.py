"""Everything a patient has given the diary, in one zip they can take away.

The zip holds the JSON of every entry (deleted ones too, with `deleted_at`), every revision,
check-in and infusion session, the list of usual medications, the CSV exports, the FHIR R4
Bundle and a README of the formats.
"""

from __future__ import annotations

import io
import json
import shutil
import uuid
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from sqlalchemy import inspect, select

from diary import measures
from diary.extensions import db
from diary.measures import Kind
from diary.models import (
    Entry,
    EntryRevision,
    Infusion,
    User,
    UsualMedication,
    WeeklyCheckin,
    utcnow,
)
from diary.services import audit, exports

# Columns of the diary's own bookkeeping that mean nothing outside it.
_INTERNAL = {"import_key"}
SPOOL_BYTES = 8 * 1024 * 1024

README = """\
Your diary, as it was on {now}
================================================

Files
-----
entries.json      Every diary entry, also the ones you deleted (they have a deleted_at), with all
                  their fields: day (the day the entry describes, YYYY-MM-DD), recorded_at (when it
                  was saved, UTC, ISO 8601), your answers (below), version (1, then +1 for every
                  edit, delete or restore), imported (true when a clinic brought it in from a
                  file), entered_by_id (who typed it: your id, or the id of a parent or carer
                  who logged it for you).
revisions.json    The content of an entry before each edit, delete or restore (entry_id, version,
                  action, changed_at, changed_by_id: who made the change, content).
checkins.json     Weekly check-ins: promis_pi ({{item: answer 1 not at all .. 5 very much}}) and
                  pgic (1 very much improved .. 7 very much worse).
usual_medications.json
                  Your list of usual medications (name and dose); ticked on the diary form, one
                  became the line "name dose" of that entry's medications.
infusions.json    Infusion sessions your clinic recorded (started_at in UTC; dose_mg the total
                  dose; rate_mg_kg_h; pain before and after, 0-10; exam_signs null when no exam was
                  recorded).
diary.csv         Your entries (not deleted) as a spreadsheet, one row per entry; lists are joined
                  with ';', side effects written code:severity. A cell that would start a formula
                  has a ' in front. entered_by: "patient", "carer: <name>" for an entry a
                  parent or carer logged for you, "import". This file can be imported by
                  another diary.
infusions.csv     The infusion sessions as a spreadsheet (exam_signs: empty = no exam recorded,
                  "none" = examined, no sign found; timezone: the zone the session's day is
                  counted in).
diary.fhir.json   A FHIR R4 Bundle: your Patient record, one Observation per entry (pain now is
                  LOINC 72514-3; the other answers use the code system urn:diary:codes; body sites
                  SNOMED CT with their side), your weekly check-ins' answers (PROMIS Pain
                  Interference 4a and PGIC, two Observations each) and the infusions as
                  MedicationAdministrations.

Your answers in an entry (the same names in entries.json and as diary.csv's columns):
{answers}

The codes of symptoms, body sites and side effects are those of the diary's code lists.
"""


_KINDS = {
    Kind.SCALE: "a whole number from {low} to {high}",
    Kind.DECIMAL: "a number from {low} to {high}",
    Kind.CODES: "a list of codes",
    Kind.SEVERITIES: "{{code: severity}}, severity {low} (none) to {high} (very severe)",
    Kind.LINES: "a list of texts",
    Kind.TEXT: "text",
}


def _answers() -> str:
    """One line per measure of the registry: its name, its question, what its value is."""
    lines = []
    for m in measures.MEASURES:
        what = _KINDS[m.kind].format(low=f"{m.minimum or 0:g}", high=f"{m.maximum or 0:g}")
        unit = f" ({m.unit})" if m.unit else ""
        lines.append(f"  {m.csv_column}: {m.label}: {what}{unit}")
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "value"):  # an enum
        return value.value
    return value


def _rows(model, query) -> list[dict[str, Any]]:
    columns = [c.key for c in inspect(model).column_attrs if c.key not in _INTERNAL]
    return [{k: _plain(getattr(row, k)) for k in columns} for row in db.session.scalars(query)]


def _json(data: Any) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False)


def write_archive(patient: User, target: IO[bytes]) -> None:
    """Write the patient's zip into `target` (a binary file)."""
    entry_ids = select(Entry.id).where(Entry.patient_id == patient.id)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            README.format(now=utcnow().isoformat(timespec="seconds"), answers=_answers()),
        )
        archive.writestr(
            "entries.json",
            _json(
                _rows(
                    Entry,
                    select(Entry)
                    .where(Entry.patient_id == patient.id)
                    .order_by(Entry.day, Entry.recorded_at, Entry.id),
                )
            ),
        )
        archive.writestr(
            "revisions.json",
            _json(
                _rows(
                    EntryRevision,
                    select(EntryRevision)
                    .where(EntryRevision.entry_id.in_(entry_ids))
                    .order_by(EntryRevision.entry_id, EntryRevision.version),
                )
            ),
        )
        archive.writestr(
            "checkins.json",
            _json(
                _rows(
                    WeeklyCheckin,
                    select(WeeklyCheckin)
                    .where(WeeklyCheckin.patient_id == patient.id)
                    .order_by(WeeklyCheckin.day, WeeklyCheckin.recorded_at),
                )
            ),
        )
        archive.writestr(
            "usual_medications.json",
            _json(
                _rows(
                    UsualMedication,
                    select(UsualMedication)
                    .where(UsualMedication.patient_id == patient.id)
                    .order_by(UsualMedication.id),
                )
            ),
        )
        archive.writestr(
            "infusions.json",
            _json(
                _rows(
                    Infusion,
                    select(Infusion)
                    .where(Infusion.patient_id == patient.id)
                    .order_by(Infusion.started_at, Infusion.id),
                )
            ),
        )
        archive.writestr("diary.csv", exports.entries_csv(patient))
        archive.writestr("infusions.csv", exports.infusions_csv(patient))
        with archive.open("diary.fhir.json", "w") as bundle:
            for chunk in exports.fhir_chunks(patient):
                bundle.write(chunk.encode())


def archive_file(patient: User) -> IO[bytes]:
    """The zip in a temporary file (in memory while small), positioned at its start."""
    spool = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (the caller closes it)
    write_archive(patient, spool)
    spool.seek(0)
    return spool


def archive_name(patient: User) -> str:
    return f"diary-{patient.id}-{utcnow().date().isoformat()}.zip"


def save_archive(patient: User, folder: Path, *, by: User | None) -> Path:
    """Write the zip into `folder` (created when missing) for the clinic (`by`, None from the
    command line); the export is an audit event. Returns the file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / archive_name(patient)
    with archive_file(patient) as source, path.open("wb") as target:
        shutil.copyfileobj(source, target)
    audit.record("archive.export", actor=by, patient_id=patient.id, detail={"file": path.name})
    db.session.commit()
    return path


def archive_bytes(patient: User) -> bytes:
    buffer = io.BytesIO()
    write_archive(patient, buffer)
    return buffer.getvalue()
