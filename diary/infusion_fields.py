"""The fields of an infusion session, each declared once, here (as diary/measures.py does for an
entry's measures).

An `InfusionField` says what kind of value the field holds, whether it leaves the app in the
infusion CSV, and where it goes in the FHIR MedicationAdministration. Everything else derives
from `FIELDS`:

- the rules and the fields a change may touch (diary/services/infusions.py: `FIELDS`,
  `TEXT_FIELDS`),
- the CSV columns and cells (diary/services/exports.py: `INFUSION_CSV_COLUMNS`) and the reading
  of the same cells back (diary/services/infusion_import.py),
- the FHIR MedicationAdministration's notes (diary/fhir.py),
- the clinic's form (diary/clinic/infusion_form.py: the numbers and texts it reads).

The model (diary/models/infusions.py), the migrations and the API's schemas
(diary/api/schemas/infusions.py) name the fields themselves; tests/test_infusion_fields.py
checks that every field is in each of those places.

Pure data: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    MOMENT = "moment"  # an aware date and time (ISO 8601 with its offset in CSV)
    WHOLE = "whole"  # a whole number
    NUMBER = "number"  # a decimal number
    LIST = "list"  # a list of short texts (joined with ';' in CSV)
    TEXT = "text"  # free text
    SIGNS = "signs"  # codes.EXAM_SIGNS, or None when no exam was recorded
    CHOICE = "choice"  # one code of a fixed set (analysis.CourseRule), or None


@dataclass(frozen=True)
class InfusionField:
    name: str  # model column, API field, form control, CSV column
    kind: Kind
    csv: bool = True  # a column of the infusion CSV (and read back by its import)
    # The elements of the FHIR MedicationAdministration that carry it (none: not sent).
    fhir: tuple[str, ...] = ()
    # A text sent as one of the MedicationAdministration's notes: its place among them (1 first).
    fhir_note: int | None = None


FIELDS: tuple[InfusionField, ...] = (
    InfusionField("started_at", Kind.MOMENT, fhir=("effectivePeriod",)),
    InfusionField("duration_minutes", Kind.WHOLE, fhir=("effectivePeriod", "dosage")),
    InfusionField("dose_mg", Kind.NUMBER, fhir=("dosage",)),
    InfusionField("rate_mg_kg_h", Kind.NUMBER, fhir=("dosage",)),
    InfusionField("adjuncts", Kind.LIST, fhir=("dosage",)),
    InfusionField("pain_pre", Kind.WHOLE),
    InfusionField("pain_post", Kind.WHOLE),
    InfusionField("adverse_events", Kind.TEXT, fhir_note=2),
    InfusionField("lab_notes", Kind.TEXT, fhir_note=3),
    InfusionField("notes", Kind.TEXT, fhir_note=1),
    InfusionField("exam_signs", Kind.SIGNS),
    # The clinic's choice of course grouping: a setting of this clinic's review, not exported.
    InfusionField("course_rule", Kind.CHOICE, csv=False),
)
BY_NAME = {f.name: f for f in FIELDS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
CSV_FIELDS: tuple[InfusionField, ...] = tuple(f for f in FIELDS if f.csv)
FHIR_NOTES: tuple[str, ...] = tuple(
    f.name for f in sorted((f for f in FIELDS if f.fhir_note), key=lambda f: f.fhir_note or 0)
)


def of_kind(*kinds: Kind) -> tuple[str, ...]:
    """The names of the fields of these kinds, in declared order."""
    return tuple(f.name for f in FIELDS if f.kind in kinds)


def _check() -> None:
    """The declaration's own consistency, checked at import."""
    problems = [] if len(BY_NAME) == len(FIELDS) else ["two fields share a name"]
    for f in FIELDS:
        if f.fhir_note is not None and f.kind is not Kind.TEXT:
            problems.append(f"{f.name}: only a text can be a FHIR note")
    notes = [f.fhir_note for f in FIELDS if f.fhir_note is not None]
    if sorted(notes) != list(range(1, len(notes) + 1)):
        problems.append("the FHIR notes are numbered 1, 2, 3, ... once each")
    if problems:
        raise ValueError("; ".join(problems))


_check()
