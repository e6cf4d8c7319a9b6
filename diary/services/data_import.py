"""One door for an uploaded file: the clinic's import page gives bytes and says what they are."""

from __future__ import annotations

import json

from diary.errors import ValidationError
from diary.models import User
from diary.services import fhir_import, imports, infusion_import
from diary.services.imports import ImportReport, file_error

KINDS = {
    "entries": "Diary entries (CSV, the columns of the diary's CSV export)",
    "fhir": "Pain scores (FHIR R4 Bundle of Observations, LOINC 72514-3)",
    "infusions": "Infusion sessions (CSV, the columns of the infusion CSV export)",
}


def import_upload(
    patient: User, kind: str, data: bytes, *, by: User | None, all_or_nothing: bool
) -> ImportReport:
    """Import an uploaded file of `kind` (a key of KINDS). ValidationError when the kind or the
    file cannot be read (field `kind` or `file`)."""
    if kind not in KINDS:
        raise ValidationError(errors={"kind": ["Choose what the file holds."]})
    if not data.strip():
        raise ValidationError(errors={"file": ["Choose a file to import."]})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise file_error("The file is not UTF-8 text (save it as CSV UTF-8).") from None
    if kind == "fhir":
        try:
            document = json.loads(text)
        except ValueError:
            raise file_error("The file is not JSON: a FHIR Bundle is a JSON file.") from None
        return fhir_import.import_fhir_bundle(
            patient, document, by=by, all_or_nothing=all_or_nothing
        )
    if kind == "infusions":
        return infusion_import.import_infusions_csv(
            patient, text, by=by, all_or_nothing=all_or_nothing
        )
    return imports.import_entries_csv(patient, text, by=by, all_or_nothing=all_or_nothing)
