"""Imports: what a clinic sends (a CSV's text or a FHIR Bundle) and the report it gets back."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields


class CsvImportSchema(Schema):
    """POST .../imports/entries and .../imports/infusions."""

    class Meta:
        unknown = RAISE

    csv = fields.String(
        required=True,
        metadata={
            "description": "The CSV's text, header first: the columns of the CSV export "
            "(docs/operations.md lists them)."
        },
    )
    all_or_nothing = fields.Boolean(
        load_default=False,
        metadata={"description": "Store nothing when any row is rejected (default: false)."},
    )


class FhirImportSchema(Schema):
    """POST .../imports/fhir."""

    class Meta:
        unknown = RAISE

    bundle = fields.Dict(
        required=True,
        metadata={"description": "A FHIR R4 Bundle of pain Observations (LOINC 72514-3)."},
    )
    all_or_nothing = fields.Boolean(load_default=False)


class ProblemSchema(Schema):
    line = fields.Int(
        metadata={
            "description": "Line of the CSV (the header is line 1), or the position of the "
            "Bundle entry (1 = first)"
        }
    )
    column = fields.Str(metadata={"description": "CSV column or FHIR element"})
    reason = fields.Str()


class ImportReportSchema(Schema):
    kind = fields.Str(metadata={"description": "entries | infusions"})
    rows = fields.Int(metadata={"description": "Rows (or pain Observations) read"})
    stored = fields.Int()
    skipped = fields.Int(metadata={"description": "Already stored: the same id, or day and time"})
    ignored = fields.Int(metadata={"description": "Bundle entries that are not pain Observations"})
    rejected = fields.List(fields.Nested(ProblemSchema))
    rejected_lines = fields.List(fields.Int())
    all_or_nothing = fields.Bool()
    committed = fields.Bool(metadata={"description": "False when nothing was stored"})
