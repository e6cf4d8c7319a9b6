"""Importing an existing diary: a CSV with the columns of the CSV export (one row per entry).

Every row passes the same rules as an entry typed on the phone (`entry_rules.validate_content`),
except that any day from EARLIEST_DAY to the day before yesterday is allowed (the phone takes the
last 30 days). An imported entry is marked `imported` and its `recorded_at` is the moment of the
import: at least two days after the day it describes, so it is late under any on-time rule the
diary uses (recorded after its day, or after the end of the next day). Today and yesterday are
logged on the phone.

A re-import adds nothing: each row has a key, "id:<entry_id>" when the row has an id, else
"at:<day>T<recorded_at_utc>" (or "at:<day>" when the time is empty too), stored with the entry
(unique per patient). A row whose entry_id is already one of the patient's entries (their own
export) is skipped too.

The report lists every rejected row by line number (the header is line 1), column and reason.
Valid rows are stored in one transaction; with `all_or_nothing`, nothing is stored when any row
is rejected.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from diary import measures
from diary.errors import Conflict, ValidationError
from diary.extensions import db
from diary.measures import Kind, Measure
from diary.models import Entry, User, utcnow
from diary.services import audit
from diary.services.entry_rules import check_not_above, validate_content
from diary.services.exports import CSV_COLUMNS, guarded
from diary.services.local_time import local_today

# The oldest day an imported entry may describe: a typo in the year cannot file data in 1926.
EARLIEST_DAY = date(2000, 1, 1)
# The newest day an import may describe: the day before yesterday. An import is late for its
# day; yesterday could still be logged on time on the phone.
LATEST_DAYS_BACK = 1
TOO_RECENT = (
    "Only days before yesterday can be imported: log today and yesterday on the phone "
    "(an imported entry counts as logged late)."
)
MAX_ROWS = 200_000
INSERT_BATCH = 2000
KEY_MAX = 80
REQUIRED_COLUMNS = ("day", *(m.csv_column for m in measures.REQUIRED))
# Columns the export writes for the reader that the import does not take: the entry's version
# and lateness belong to the diary that stores it.
INFORMATIONAL = ("recorded_late", "version")
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Problem:
    """One rejected row: its line in the file (for a FHIR Bundle, the entry's position), the
    column (or FHIR element) and why."""

    line: int
    column: str
    reason: str


@dataclass
class ImportReport:
    kind: str  # "entries" | "infusions"
    rows: int = 0
    stored: int = 0
    skipped: int = 0  # already there: the same id, or the same day and time
    ignored: int = 0  # FHIR resources that are not pain observations
    rejected: list[Problem] = field(default_factory=list)
    all_or_nothing: bool = False
    committed: bool = False

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({p.line for p in self.rejected})


def file_error(message: str) -> ValidationError:
    return ValidationError("The file cannot be imported.", errors={"file": [message]})


def read_csv(text: str, columns: tuple[str, ...], required: tuple[str, ...]) -> Iterator:
    """(line, {column: cell}) for each data row; the header must name only known columns and
    all required ones. Raises ValidationError (field `file`) when it does not."""
    if text.startswith("\ufeff"):
        text = text[1:]  # a spreadsheet's byte order mark
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise file_error("The file is empty.") from None
    except csv.Error as exc:
        raise file_error(f"Not a CSV file: {exc}.") from None
    unknown = [h for h in header if h not in columns]
    if unknown:
        raise file_error(
            f"Unknown column: {', '.join(unknown)}. The columns are: {', '.join(columns)}."
        )
    missing = [c for c in required if c not in header]
    if missing:
        raise file_error(f"Missing column: {', '.join(missing)}.")
    if len(set(header)) != len(header):
        raise file_error("A column is named twice.")
    return _rows(reader, header)


def _rows(reader, header: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    line = 2
    count = 0
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                raise file_error(f"Import at most {MAX_ROWS} rows at a time.")
            row = dict(zip(header, cells, strict=False))
            if len(cells) > len(header):
                row["\0extra"] = "yes"
            yield start, row
    except csv.Error as exc:
        raise file_error(f"The CSV is malformed near line {line}: {exc}.") from None


def unguard(cell: str) -> str:
    """Undo the export's formula guard, part by part (';': the export guards each part, since a
    spreadsheet that splits on ';' makes each a cell): a part written with one apostrophe more
    (exports.guarded: "'=x" for "=x", "''=x" for "'=x") loses it; any other part is as typed."""
    sep = measures.LIST_SEPARATOR
    return sep.join(
        part[1:] if part.startswith("'") and guarded(part) else part for part in cell.split(sep)
    )


def whole_or_raw(cell: str) -> Any:
    """An int for "7", None for "", the text itself otherwise (the rules then refuse it with
    their own message)."""
    cell = cell.strip()
    if not cell:
        return None
    try:
        return int(cell)
    except ValueError:
        return cell


def number_or_raw(cell: str) -> Any:
    cell = cell.strip().replace(",", ".")
    if not cell:
        return None
    try:
        return float(cell)
    except ValueError:
        return cell


def split_list(cell: str) -> list[str]:
    return [part.strip() for part in unguard(cell).split(measures.LIST_SEPARATOR) if part.strip()]


def _severities(cell: str, m: Measure, problems: list[tuple[str, str]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for part in split_list(cell):
        code, sep, severity = part.partition(":")
        if not sep:
            problems.append(
                (
                    m.csv_column,
                    f"Write {m.noun}s as code:severity ({int(m.minimum or 0)}-"
                    f"{int(m.maximum or 0)}) separated by ';' (not {part}).",
                )
            )
            return {}
        result[code.strip()] = whole_or_raw(severity)
    return result


def measure_value(m: Measure, cell: str, problems: list[tuple[str, str]]) -> Any:
    """One measure's cell in the type its rules take (diary.measures: the kind says how the
    export wrote it)."""
    if m.kind is Kind.SCALE:
        return whole_or_raw(cell)
    if m.kind is Kind.DECIMAL:
        return number_or_raw(cell)
    if m.kind in (Kind.CODES, Kind.LINES):
        return split_list(cell)
    if m.kind is Kind.SEVERITIES:
        return _severities(cell, m, problems)
    return unguard(cell)


def _row_values(row: dict[str, str], problems: list[tuple[str, str]]) -> dict[str, Any]:
    """The content of an entry from a row's cells, in the types the rules take."""
    # An empty day is refused by the rules (never taken as today, as the phone would).
    data: dict[str, Any] = {"day": row.get("day", "").strip()}
    for m in measures.MEASURES:
        if m.csv_column in row:
            data[m.code] = measure_value(m, row[m.csv_column], problems)
    return data


def _parse_instant(cell: str) -> datetime | None:
    cell = cell.strip()
    if not cell:
        return None
    value = datetime.fromisoformat(cell)
    if value.tzinfo is None:
        raise ValueError(cell)
    return value.astimezone(UTC)


@dataclass
class Existing:
    """What the patient has already: import keys and entry ids."""

    keys: set[str]
    ids: set[uuid.UUID]

    @classmethod
    def load(cls, patient: User) -> Existing:
        keys = db.session.scalars(
            select(Entry.import_key).where(
                Entry.patient_id == patient.id, Entry.import_key.is_not(None)
            )
        )
        ids = db.session.scalars(select(Entry.id).where(Entry.patient_id == patient.id))
        return cls(set(keys), set(ids))


def prepare_entry(
    patient: User,
    data: dict[str, Any],
    *,
    now: datetime,
    today: date,
) -> dict[str, Any]:
    """The checked values of one imported entry, or ValidationError (messages per field)."""
    values = validate_content(data, patient, now=now, earliest=EARLIEST_DAY)
    check_not_above(values)
    if values["day"] >= today - timedelta(days=LATEST_DAYS_BACK):
        raise ValidationError(errors={"day": [TOO_RECENT]})
    return {m.code: m.empty() for m in measures.MEASURES} | values


def entry_row(patient: User, values: dict[str, Any], key: str, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "patient_id": patient.id,
        "recorded_at": now,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "imported": True,
        "import_key": key[:KEY_MAX],
        **values,
    }


def _column(field_name: str) -> str:
    """The CSV column of a field the rules name."""
    if field_name in measures.BY_CODE:
        return measures.BY_CODE[field_name].csv_column
    return "entry_id" if field_name == "id" else field_name


def import_entries_csv(
    patient: User,
    text: str,
    *,
    by: User | None,
    all_or_nothing: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a CSV of entries for `patient` (see the module's docstring). `by` is the
    clinician importing it (None from the command line). Raises ValidationError for a file that
    cannot be read at all (field `file`)."""
    now = now or utcnow()
    today = local_today(patient, now)
    report = ImportReport("entries", all_or_nothing=all_or_nothing)
    existing = Existing.load(patient)
    seen: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    for line, row in read_csv(text, CSV_COLUMNS, REQUIRED_COLUMNS):
        report.rows += 1
        if progress:
            progress(1)
        problems: list[tuple[str, str]] = []
        if row.pop("\0extra", None):
            problems.append(("", "The row has more cells than the header has columns."))
        key = None
        raw_id = row.get("entry_id", "").strip()
        entry_id = None
        if raw_id:
            try:
                entry_id = uuid.UUID(raw_id)
                key = f"id:{entry_id}"
            except ValueError:
                problems.append(("entry_id", "Use a UUID, or leave the cell empty."))
        try:
            recorded = _parse_instant(row.get("recorded_at_utc", ""))
        except ValueError:
            problems.append(("recorded_at_utc", "Use an ISO 8601 date and time with a time zone."))
            recorded = None
        if key is None:
            key = f"at:{row.get('day', '').strip()}" + (
                f"T{recorded.isoformat()}" if recorded else ""
            )
        if not problems and (key in existing.keys or entry_id in existing.ids or key in seen):
            report.skipped += 1  # stored already: by an earlier import, or by this file
            continue
        data = _row_values(row, problems)
        try:
            values = prepare_entry(patient, data, now=now, today=today)
        except ValidationError as exc:
            for name, messages in (exc.errors or {}).items():
                for message in messages:
                    problems.append((_column(name), message))
        if problems:
            report.rejected.extend(Problem(line, col, reason) for col, reason in problems)
            continue
        seen[key] = line
        rows.append(entry_row(patient, values, key, now))
    return store(report, Entry, rows, patient, by=by, action="import.entries")


def store(
    report: ImportReport,
    model,
    rows: list[dict[str, Any]],
    patient: User,
    *,
    by: User | None,
    action: str,
) -> ImportReport:
    """Insert the prepared rows in one transaction (none at all when all-or-nothing found a
    rejected row), with one audit event."""
    if report.rejected and report.all_or_nothing:
        db.session.rollback()
        return report
    try:
        for start in range(0, len(rows), INSERT_BATCH):
            db.session.execute(model.__table__.insert(), rows[start : start + INSERT_BATCH])
        audit.record(
            action,
            actor=by,
            patient_id=patient.id,
            detail={
                "rows": report.rows,
                "stored": len(rows),
                "skipped": report.skipped,
                "rejected": len(report.rejected_lines),
            },
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            "Another import for this patient stored some of these rows just now. "
            "Import the file again: rows already stored are skipped."
        ) from None
    report.stored = len(rows)
    report.committed = True
    return report
