"""What a measure of the diary is: its kind (how a value is held and asked), how a day combines
its entries, the form's sections, where FHIR carries it, and `Measure` itself with the small
rules every measure shares (its empty value, its plain value for the analysis, its CSV cell).

The measures themselves are defined in diary/measures.py, which re-exports these names: other
code imports them from there (`from diary.measures import Kind, Measure`).

Pure data: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from diary import codes

TEXT_MAX = 200
LINES_MAX = 30
# What separates a list's items in a CSV cell (csv_text): no item holds one (entry_rules keeps
# a line typed with one as the lines it separates), so an export imports back as it was.
LIST_SEPARATOR = ";"


class Kind(StrEnum):
    SCALE = "scale"  # a whole number from `minimum` to `maximum`, a row of radio buttons
    DECIMAL = "decimal"  # a number from `minimum` to `maximum`, kept to `decimals` places
    CODES = "codes"  # a set of codes from `options`, check boxes
    SEVERITIES = "severities"  # {option code: severity 0-4}, severity 0 (none) not stored
    LINES = "lines"  # a list of short free texts, one per line in the form
    TEXT = "text"  # free text of at most `max_length` characters


class Daily(StrEnum):
    """How the entries of one day combine (diary.analysis.daily.daily_aggregates)."""

    MEAN = "mean"  # mean of the entries that have a value; None when none has
    MAX = "max"  # maximum of the entries that have a value
    MIN = "min"  # minimum of the entries that have a value
    UNION = "union"  # every code (or line) reported that day
    MAX_PER_CODE = "max_per_code"  # the highest severity per code
    TEXTS = "texts"  # the non-empty texts, in the order they were recorded


@dataclass(frozen=True)
class Section:
    """A collapsible part of the patient form. `first_after_infusion`: shown first and open in
    the days after an infusion (side effects)."""

    key: str
    title: str
    first_after_infusion: bool = False

    @property
    def html_id(self) -> str:
        return f"section-{self.key}"


@dataclass(frozen=True)
class Fhir:
    """Where a measure goes in FHIR. `system`/`code`/`display` code its own Observation;
    `note_on` instead makes the text an Observation.note of that measure's Observation."""

    code: str | None = None
    display: str = ""
    system: str = codes.LOCAL_SYSTEM
    system_display: str | None = None  # the code system's own display, when not ours
    note_on: str | None = None
    # A set's items as components coded (code, display), each value the item's CodeableConcept
    # (with SNOMED CT where the option has one) or text; None: each item coded by itself.
    component: tuple[str, str] | None = None


@dataclass(frozen=True, eq=False)
class Measure:
    code: str  # database column, API field, form control, CSV column, local FHIR code
    label: str  # the question or label on the patient form
    kind: Kind
    daily: Daily
    fhir: Fhir
    section: str | None = None  # Section.key; None: at the top of the form
    required: bool = False  # every new entry has it (and it cannot be removed)
    minimum: float | None = None
    maximum: float | None = None
    decimals: int = 0
    step: float | None = None  # form step of a decimal input
    unit: str | None = None  # UCUM unit of a number
    anchors: tuple[str, str] | None = None  # the scale's two ends as the form shows them
    options: tuple[codes.Code, ...] = ()
    option_groups: Mapping[str, str] = field(default_factory=dict)  # option.group -> legend
    form_omits: frozenset[str] = frozenset()  # options not offered on the form
    max_length: int = TEXT_MAX
    max_items: int = LINES_MAX
    multiline: bool = False  # a text asked in a textarea
    hint: str | None = None
    noun: str = ""  # "symptom": in messages about codes or lines
    message: str = ""  # the message for a value of the wrong type or out of range
    not_above: str | None = None  # code of a measure this one may not exceed
    csv_header: str | None = None  # CSV column when not `code`
    chart_label: str | None = None  # short label in clinician charts
    form_widget: str | None = None  # a control other than the kind's own ("body_map")

    @property
    def csv_column(self) -> str:
        return self.csv_header or self.code

    @property
    def short_label(self) -> str:
        return self.chart_label or self.label

    @property
    def form_options(self) -> tuple[codes.Code, ...]:
        return tuple(o for o in self.options if o.code not in self.form_omits)

    @property
    def option_codes(self) -> frozenset[str]:
        return frozenset(o.code for o in self.options)

    def of(self, obj: Any) -> Any:
        """This measure's value on an entry (or its column on the Entry class)."""
        return getattr(obj, self.code)

    def empty(self) -> Any:
        """The stored value of "nothing reported" (collections are stored empty, not null)."""
        if self.kind in (Kind.CODES, Kind.LINES):
            return []
        if self.kind is Kind.SEVERITIES:
            return {}
        return None

    def plain(self, value: Any) -> Any:
        """A stored value as the analysis takes it: hashable (sets, sorted pairs)."""
        if self.kind in (Kind.CODES, Kind.LINES):
            return frozenset(value or ())
        if self.kind is Kind.SEVERITIES:
            return tuple(sorted((value or {}).items()))
        return value

    def csv_text(self, value: Any) -> Any:
        """The CSV cell: sets joined with ';', severities as code:severity sorted by code."""
        if self.kind in (Kind.CODES, Kind.LINES):
            return LIST_SEPARATOR.join(value or [])
        if self.kind is Kind.SEVERITIES:
            return LIST_SEPARATOR.join(f"{k}:{v}" for k, v in sorted((value or {}).items()))
        return value
