"""Imports for a linked patient: a CSV of entries, a CSV of infusion sessions, a FHIR Bundle.

Each route is one `_route(...)` below: what it imports, its summary, its schema, its service;
the path (gate, schema, service, report) is written once."""

from __future__ import annotations

from collections.abc import Callable

from flask import jsonify
from flask_login import current_user
from marshmallow import Schema

from diary.api import bp
from diary.api.openapi import documented
from diary.api.params import json_body
from diary.api.schemas import CsvImportSchema, FhirImportSchema, ImportReportSchema
from diary.auth import role_required
from diary.models import Role
from diary.services import access, fhir_import, imports, infusion_import
from diary.services.imports import ImportReport

ERRORS = (403, 404, 409, 413, 422)


def _answer(report: ImportReport):
    body = ImportReportSchema().dump(report)
    if report.committed:
        return jsonify(body)
    errors: dict[str, list[str]] = {}
    for problem in report.rejected:
        where = f"line {problem.line}" + (f", {problem.column}" if problem.column else "")
        errors.setdefault(where, []).append(problem.reason)
    message = (
        f"{len(report.rejected_lines)} rows were rejected, so nothing was stored (all or nothing)."
    )
    return jsonify(
        error={"code": "import_rejected", "message": message}, errors=errors, report=body
    ), 422


def _route(
    kind: str, summary: str, schema: type[Schema], field: str, service: Callable[..., ImportReport]
) -> None:
    """POST /patients/<id>/imports/<kind> (endpoint `api.import_<kind>`), for clinicians: the
    patient through the gate, the body through `schema` (`field` holds what is imported), the
    `service`, its report as the answer (`_answer`)."""

    def view(patient_id: int):
        # The body of an import may be up to IMPORT_MAX_BYTES (diary/__init__.py sets that).
        patient = access.patient_for(current_user, patient_id, action=None)
        data = json_body(schema())
        return _answer(
            service(patient, data[field], by=current_user, all_or_nothing=data["all_or_nothing"])
        )

    view.__name__ = view.__qualname__ = f"import_{kind}"
    operation = documented(summary, request=schema, response=ImportReportSchema, errors=ERRORS)
    bp.post(f"/patients/<int:patient_id>/imports/{kind}")(
        operation(role_required(Role.CLINICIAN)(view))
    )


_route(
    "entries",
    "Import diary entries from a CSV (the columns of the CSV export); answers which rows were "
    "stored, skipped as already there, or rejected (line, column, reason)",
    CsvImportSchema,
    "csv",
    imports.import_entries_csv,
)
_route(
    "infusions",
    "Import past infusion sessions from a CSV (the columns of the infusion CSV export)",
    CsvImportSchema,
    "csv",
    infusion_import.import_infusions_csv,
)
_route(
    "fhir",
    "Import pain scores from a FHIR R4 Bundle of Observations (LOINC 72514-3)",
    FhirImportSchema,
    "bundle",
    fhir_import.import_fhir_bundle,
)
