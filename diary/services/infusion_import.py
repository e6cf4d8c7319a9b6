"""Importing a patient's infusion history: a CSV of sessions with the columns of the infusion
CSV export (`exports.INFUSION_CSV_COLUMNS`, from diary/infusion_fields.py: each cell is read by
its field's kind, as the export writes it).

Every row passes the same rules as a session recorded on the clinic's form
(`infusions.clean`). A re-import adds nothing: a row is skipped when its key ("id:<infusion_id>"
from the file, else "at:<started_at in UTC>") was imported before, or when the patient already
has a session starting at the same moment. The report and the all-or-nothing mode are those of
the entry import (services/imports.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from diary.errors import ValidationError
from diary.extensions import db
from diary.infusion_fields import InfusionField, Kind
from diary.models import Infusion, User, utcnow
from diary.services.exports import INFUSION_CSV, INFUSION_CSV_COLUMNS, NO_SIGNS
from diary.services.imports import (
    KEY_MAX,
    ImportReport,
    Problem,
    Progress,
    number_or_raw,
    read_csv,
    split_list,
    store,
    unguard,
    whole_or_raw,
)
from diary.services.infusions import clean
from diary.services.local_time import is_zone


def _value(f: InfusionField, cell: str, problems: list[tuple[str, str]]) -> Any:
    """A CSV cell (as services/exports.py writes it) as the value `clean` checks; a cell that is
    not even of the field's kind is passed on as it is, for `clean` to name the problem."""
    if f.kind is Kind.MOMENT:
        if not cell.strip():
            return None
        try:
            return datetime.fromisoformat(cell.strip())
        except ValueError:
            problems.append((f.name, "Use an ISO 8601 date and time with its offset, e.g. +01:00."))
            return None
    if f.kind is Kind.WHOLE:
        return whole_or_raw(cell)
    if f.kind is Kind.NUMBER:
        return number_or_raw(cell)
    if f.kind is Kind.LIST:
        return split_list(cell)
    if f.kind is Kind.TEXT:
        return unguard(cell)
    if f.kind is Kind.SIGNS:
        signs = cell.strip()
        if not signs:
            return None
        return [] if signs.casefold() == NO_SIGNS else split_list(signs)
    raise ValueError(f"{f.name}: no CSV reading for {f.kind}")


def _values(row: dict[str, str], problems: list[tuple[str, str]]) -> dict[str, Any]:
    return {f.name: _value(f, row.get(f.name, ""), problems) for f in INFUSION_CSV}


def import_infusions_csv(
    patient: User,
    text: str,
    *,
    by: User | None,
    all_or_nothing: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a CSV of sessions for `patient`; `by` is the importing clinician (None from the
    command line), also stored as the clinician of each session."""
    now = now or utcnow()
    report = ImportReport("infusions", all_or_nothing=all_or_nothing)
    keys = set(
        db.session.scalars(
            select(Infusion.import_key).where(
                Infusion.patient_id == patient.id, Infusion.import_key.is_not(None)
            )
        )
    )
    starts = set(
        db.session.scalars(select(Infusion.started_at).where(Infusion.patient_id == patient.id))
    )
    rows: list[dict[str, Any]] = []
    for line, row in read_csv(text, INFUSION_CSV_COLUMNS, ("started_at",)):
        report.rows += 1
        if progress:
            progress(1)
        problems: list[tuple[str, str]] = []
        if row.pop("\0extra", None):
            problems.append(("", "The row has more cells than the header has columns."))
        values = _values(row, problems)
        try:
            cleaned = clean(
                {k: v for k, v in values.items() if not any(p[0] == k for p in problems)},
                now=now,
            )
        except ValidationError as exc:
            for name, messages in (exc.errors or {}).items():
                if not any(p[0] == name for p in problems):
                    problems.extend((name, m) for m in messages)
        if problems:
            report.rejected.extend(Problem(line, col, reason) for col, reason in problems)
            continue
        started = cleaned["started_at"].astimezone(UTC)
        zone_name = row.get("timezone", "").strip()
        if zone_name and not is_zone(zone_name):
            report.rejected.append(Problem(line, "timezone", "Not a time zone (IANA name)."))
            continue
        raw_id = row.get("infusion_id", "").strip()
        key = (f"id:{raw_id}" if raw_id else f"at:{started.isoformat()}")[:KEY_MAX]
        if key in keys or started in starts:
            report.skipped += 1
            continue
        keys.add(key)
        starts.add(started)
        rows.append(
            {
                **cleaned,
                "adjuncts": cleaned.get("adjuncts", []),
                "exam_signs": cleaned["exam_signs"],
                "patient_id": patient.id,
                "clinician_id": by.id if by else None,
                "created_at": now,
                "updated_at": now,
                "imported": True,
                "import_key": key,
                # the zone its day was counted in where it came from: kept, so that the day
                # does not move (none given: the patient's, as a session recorded here)
                "timezone": zone_name or None,
            }
        )
    return store(report, Infusion, rows, patient, by=by, action="import.infusions")
