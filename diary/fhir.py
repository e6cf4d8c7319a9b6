"""FHIR R4 export: a patient's diary as a Bundle (type collection) of Observations, with the
ketamine infusions as MedicationAdministrations.

Each measure of the registry (diary.measures) says where it goes: pain now carries LOINC 72514-3;
every other measure uses the local CodeSystem `urn:diary:codes` (docs/clinical.md: never invent a
LOINC code). Body sites carry SNOMED CT where one exists.
Takes stored rows and returns plain JSON-ready dicts; no queries, no Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from diary import codes, measures
from diary.measures import Kind, Measure
from diary.models import Entry, Infusion, User

SURVEY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey",
            "display": "Survey",
        }
    ]
}
LOCAL = codes.LOCAL_SYSTEM
UCUM = "http://unitsofmeasure.org"


def _local(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOCAL, "code": code, "display": display}], "text": display}


def _code(m: Measure) -> dict[str, Any]:
    if m.fhir.system == LOCAL:
        return _local(m.fhir.code or m.code, m.fhir.display)
    coding = {"system": m.fhir.system, "code": m.fhir.code}
    if m.fhir.system_display:
        coding["display"] = m.fhir.system_display
    return {"coding": [coding], "text": m.fhir.display}


def _patient_ref(patient: User) -> dict[str, str]:
    return {"reference": f"Patient/{patient.id}", "display": patient.display_name}


def _observation(entry: Entry, patient: User, key: str, code: dict, **value: Any) -> dict:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"{entry.id}-{key.replace('_', '-')}",
        "status": "amended" if entry.version > 1 else "final",
        "category": [SURVEY],
        "code": code,
        "subject": _patient_ref(patient),
        "effectiveDateTime": entry.day.isoformat(),
        "issued": entry.recorded_at.isoformat(),
    }
    resource.update(value)
    return resource


def _value(m: Measure, value: Any, other_text: str | None) -> dict[str, Any]:
    """The Observation's value (or components) for one measure's value, by its kind."""
    if m.kind is Kind.SCALE:
        return {"valueInteger": value}
    if m.kind is Kind.DECIMAL:
        return {"valueQuantity": {"value": value, "unit": m.unit, "system": UCUM, "code": m.unit}}
    if m.kind is Kind.SEVERITIES:
        return {
            "component": [
                {"code": _local(code, codes.label(m.options, code)), "valueInteger": severity}
                for code, severity in sorted(value.items())
            ]
        }
    if m.fhir.component is None:
        return {
            "component": [
                {"code": _local(code, codes.label(m.options, code)), "valueBoolean": True}
                for code in value
            ]
        }
    component = _local(*m.fhir.component)
    if m.kind is Kind.LINES:
        return {"component": [{"code": component, "valueString": line} for line in value]}
    return {
        "component": [
            {"code": component, "valueCodeableConcept": _option(m, code, other_text)}
            for code in value
        ]
    }


def _option(m: Measure, code: str, other_text: str | None) -> dict[str, Any]:
    """A coded option (a body site) as a CodeableConcept: SNOMED CT first where it has one."""
    option = next((o for o in m.options if o.code == code), None)
    label = option.label if option else code
    if code == "other" and other_text:
        label = f"Other: {other_text}"
    coding = [{"system": LOCAL, "code": code, "display": label}]
    if option is not None and option.snomed:
        coding.insert(0, {"system": codes.SNOMED, "code": option.snomed, "display": label})
    return {"coding": coding, "text": label}


def _reported(value: Any) -> bool:
    return value is not None and value != [] and value != {} and value != ""


def entry_observations(entry: Entry, patient: User) -> list[dict[str, Any]]:
    """The Observations of one diary entry: one per measure the entry reports, in the registry's
    order (pain now first), each text on the Observation of the measure it is about (the note
    on pain now)."""
    notes: dict[str, list[str]] = {}
    for m in measures.MEASURES:
        if m.fhir.note_on is not None and m.of(entry):
            notes.setdefault(m.fhir.note_on, []).append(m.of(entry))
    observations = []
    for m in measures.MEASURES:
        if m.fhir.code is None:
            continue
        value = m.of(entry)
        texts = notes.get(m.code, [])
        if not _reported(value) and not texts:
            continue
        other = next((t.of(entry) for t in measures.MEASURES if t.fhir.note_on == m.code), None)
        resource = _observation(
            entry,
            patient,
            m.code,
            _code(m),
            **(_value(m, value, other) if _reported(value) else {}),
        )
        if texts:
            resource["note"] = [{"text": text} for text in texts]
        observations.append(resource)
    return observations


def infusion_administration(infusion: Infusion, patient: User) -> dict[str, Any]:
    end = infusion.started_at
    if infusion.duration_minutes:
        end = infusion.started_at + timedelta(minutes=infusion.duration_minutes)
    parts = []
    if infusion.rate_mg_kg_h is not None:
        parts.append(f"{infusion.rate_mg_kg_h:g} mg/kg/h")
    if infusion.duration_minutes:
        parts.append(f"over {infusion.duration_minutes} min")
    parts.extend(infusion.adjuncts or [])
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": f"infusion-{infusion.id}",
        "status": "completed",
        "medicationCodeableConcept": {"text": "Ketamine infusion"},
        "subject": _patient_ref(patient),
        "effectivePeriod": {"start": infusion.started_at.isoformat(), "end": end.isoformat()},
        "dosage": {"text": ", ".join(parts) or "ketamine infusion", "route": {"text": "IV"}},
    }
    if infusion.dose_mg is not None:
        resource["dosage"]["dose"] = {
            "value": infusion.dose_mg,
            "unit": "mg",
            "system": "http://unitsofmeasure.org",
            "code": "mg",
        }
    notes = [n for n in (infusion.notes, infusion.adverse_events, infusion.lab_notes) if n]
    if notes:
        resource["note"] = [{"text": n} for n in notes]
    return resource


def patient_bundle(
    patient: User, entries: Iterable[Entry], infusions: Iterable[Infusion], now: datetime
) -> dict[str, Any]:
    """The Bundle: the Patient, then every live entry's Observations, then past infusions."""
    resources: list[dict[str, Any]] = [
        {
            "resourceType": "Patient",
            "id": str(patient.id),
            "identifier": [{"system": "urn:diary:patient", "value": str(patient.id)}],
            "name": [{"text": patient.display_name}],
            "telecom": [{"system": "email", "value": patient.email}],
        }
    ]
    for entry in entries:
        resources.extend(entry_observations(entry, patient))
    resources.extend(infusion_administration(i, patient) for i in infusions if i.started_at <= now)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": now.isoformat(),
        "entry": [
            {"fullUrl": f"urn:diary:{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }
