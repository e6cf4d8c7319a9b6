"""Importing pain scores from another system: a FHIR R4 Bundle of Observations.

Each Observation is parsed with `fhir.resources` (R4B models, which read R4 Observations). The
pain score is the Observation's value when its code is LOINC 72514-3 (pain severity 0-10), or
the value of a component with that code (the diary's own export groups an entry's answers as
components). The day is `effectiveDateTime` (or `effectivePeriod.start`), on the patient's
calendar. The diary's own 0-10 answers (worst, least and average pain, sleep, PEG, mood) and
the note come along when present; other resources are counted as ignored.

Then every entry passes the same rules as a CSV row (services/imports.py), with the same report:
`line` is the position of the Bundle entry (1 = the first), `column` the FHIR element. A
re-import adds nothing: the key is "id:<uuid>" when the Observation's id is a UUID (the diary's
own export), else "fhir:<id>", else "at:<effective time>".
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from pydantic import ValidationError as FhirError

from diary import codes, measures
from diary.errors import ValidationError
from diary.fhir import NOTE_ELEMENT
from diary.measures import Kind
from diary.models import Entry, User, utcnow
from diary.services.imports import (
    Existing,
    ImportReport,
    Problem,
    Progress,
    entry_row,
    file_error,
    prepare_entry,
    store,
)
from diary.services.local_time import local_today, zone

ACCEPTED_STATUS = ("final", "amended", "corrected", "preliminary")
PAIN = measures.PAIN
# The diary's own numbers by their local code (their components in the diary's export).
NUMBERS = {
    m.fhir.code: m
    for m in measures.MEASURES
    if m.fhir.system == codes.LOCAL_SYSTEM and m.kind in (Kind.SCALE, Kind.DECIMAL)
}
# The texts the export writes as the Observation's note.
NOTE = next(m for m in measures.MEASURES if m.fhir.note_on == PAIN.code)
# Where a rule's complaint points in the Observation.
ELEMENTS = {"day": "effectiveDateTime", PAIN.code: "valueInteger"}
MAX_ENTRIES = 200_000


def _is_pain(concept: dict[str, Any] | None) -> bool:
    return any(
        c.get("system") == PAIN.fhir.system and c.get("code") == PAIN.fhir.code
        for c in (concept or {}).get("coding") or []
    )


def _local_code(concept: dict[str, Any] | None) -> str | None:
    for c in (concept or {}).get("coding") or []:
        if c.get("system") == codes.LOCAL_SYSTEM:
            return c.get("code")
    return None


def _score(holder: dict[str, Any]) -> Any:
    """The whole-number value of an Observation or component (valueInteger, or a
    valueQuantity with a whole value); what else is there goes to the rules as it is."""
    if "valueInteger" in holder:
        return holder["valueInteger"]
    quantity = holder.get("valueQuantity")
    if isinstance(quantity, dict) and "value" in quantity:
        value = quantity["value"]
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    return None


def _day(resource: dict[str, Any], patient: User) -> date | str | None:
    raw = resource.get("effectiveDateTime") or (resource.get("effectivePeriod") or {}).get("start")
    if not isinstance(raw, str):
        return None
    if len(raw) == 10:
        return raw  # a date: the day itself
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return raw
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(zone(patient)).date()


def _entry_values(resource: dict[str, Any], patient: User) -> tuple[dict[str, Any], bool]:
    """The entry content of one Observation, and whether it holds a pain score at all."""
    data: dict[str, Any] = {"day": _day(resource, patient)}
    found = False
    if _is_pain(resource.get("code")):
        data[PAIN.code] = _score(resource)
        found = True
    for component in resource.get("component") or []:
        code = component.get("code")
        if _is_pain(code):
            data[PAIN.code] = _score(component)
            found = True
        elif (m := NUMBERS.get(_local_code(code))) is not None:
            data[m.code] = _score(component)
    notes = [n.get("text") for n in resource.get(NOTE_ELEMENT) or [] if n.get("text")]
    if notes:
        data[NOTE.code] = "\n".join(notes)
    return data, found


def _key(resource: dict[str, Any], data: dict[str, Any]) -> tuple[str, uuid.UUID | None]:
    raw = resource.get("id")
    if raw:
        try:
            entry_id = uuid.UUID(raw)
            return f"id:{entry_id}", entry_id
        except ValueError:
            return f"fhir:{raw}", None
    when = resource.get("effectiveDateTime") or data.get("day")
    return f"at:{when}", None


def _shell(document: Any) -> list[Any]:
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        raise file_error("Send a FHIR R4 Bundle (resourceType Bundle).")
    entries = document.get("entry") or []
    if not isinstance(entries, list):
        raise file_error("The Bundle's entry must be a list.")
    if len(entries) > MAX_ENTRIES:
        raise file_error(f"Import at most {MAX_ENTRIES} Bundle entries at a time.")
    try:
        Bundle.model_validate({**document, "entry": []})
    except FhirError as exc:
        raise file_error(f"Not a valid FHIR Bundle: {_first(exc)}") from None
    return entries


def _first(exc: FhirError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error.get("loc", ()))
    return f"{where}: {error.get('msg')}" if where else str(error.get("msg"))


def import_fhir_bundle(
    patient: User,
    document: Any,
    *,
    by: User | None,
    all_or_nothing: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the pain Observations of a Bundle (parsed JSON) for `patient`."""
    now = now or utcnow()
    today = local_today(patient, now)
    report = ImportReport("entries", all_or_nothing=all_or_nothing)
    existing = Existing.load(patient)
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    for line, item in enumerate(_shell(document), start=1):
        if progress:
            progress(1)
        resource = item.get("resource") if isinstance(item, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
            report.ignored += 1
            continue
        try:
            Observation.model_validate(resource)
        except FhirError as exc:
            report.rows += 1
            report.rejected.append(Problem(line, "Observation", _first(exc)))
            continue
        data, has_pain = _entry_values(resource, patient)
        if not has_pain:
            report.ignored += 1
            continue
        report.rows += 1
        if resource.get("status") not in ACCEPTED_STATUS:
            reason = f"Status {resource.get('status')}: only final or amended results are taken."
            report.rejected.append(Problem(line, "status", reason))
            continue
        if data["day"] is None:
            report.rejected.append(Problem(line, "effectiveDateTime", "The day is missing."))
            continue
        key, entry_id = _key(resource, data)
        if key in existing.keys or entry_id in existing.ids or key in seen:
            report.skipped += 1  # stored already: by an earlier import, or by this Bundle
            continue
        try:
            values = prepare_entry(patient, data, now=now, today=today)
        except ValidationError as exc:
            for name, messages in (exc.errors or {}).items():
                element = ELEMENTS.get(name, name)
                report.rejected.extend(Problem(line, element, m) for m in messages)
            continue
        seen.add(key)
        rows.append(entry_row(patient, values, key, now))
    return store(report, Entry, rows, patient, by=by, action="import.fhir")
