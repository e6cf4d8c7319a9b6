"""FHIR R4 export: a patient's diary as a Bundle (type collection) of Observations, with the
ketamine infusions as MedicationAdministrations.

Pain now carries LOINC 72514-3; every other measure uses the local CodeSystem `urn:diary:codes`
(docs/clinical.md: never invent a LOINC code). Body sites carry SNOMED CT where one exists.
Takes stored rows and returns plain JSON-ready dicts; no queries, no Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from diary import codes
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
INTEGER_MEASURES = (
    ("pain_worst", "Worst pain in the last 24 hours (0-10)"),
    ("pain_least", "Least pain in the last 24 hours (0-10)"),
    ("pain_average", "Average pain in the last 24 hours (0-10)"),
    ("sleep_quality", "Sleep quality (0-10)"),
    ("peg_enjoyment", "Pain interference with enjoyment of life (0-10)"),
    ("peg_activity", "Pain interference with general activity (0-10)"),
    ("mood", "Mood (0 very bad - 10 very good)"),
)


def _local(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOCAL, "code": code, "display": display}], "text": display}


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


def entry_observations(entry: Entry, patient: User) -> list[dict[str, Any]]:
    """The Observations of one diary entry (pain now first; then what the patient reported)."""
    pain_code = {
        "coding": [
            {
                "system": codes.LOINC,
                "code": codes.PAIN_NRS_LOINC,
                "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
            }
        ],
        "text": "Pain now (0-10)",
    }
    pain = _observation(entry, patient, "pain", pain_code, valueInteger=entry.pain)
    if entry.note:
        pain["note"] = [{"text": entry.note}]
    observations = [pain]
    for field, display in INTEGER_MEASURES:
        value = getattr(entry, field)
        if value is not None:
            observations.append(
                _observation(entry, patient, field, _local(field, display), valueInteger=value)
            )
    if entry.sleep_hours is not None:
        observations.append(
            _observation(
                entry,
                patient,
                "sleep_hours",
                _local("sleep_hours", "Hours slept"),
                valueQuantity={
                    "value": entry.sleep_hours,
                    "unit": "h",
                    "system": "http://unitsofmeasure.org",
                    "code": "h",
                },
            )
        )
    if entry.symptoms:
        observations.append(
            _observation(
                entry,
                patient,
                "symptoms",
                _local("crps_symptoms", "CRPS symptoms reported"),
                component=[
                    {
                        "code": _local(code, codes.label(codes.SYMPTOMS, code)),
                        "valueBoolean": True,
                    }
                    for code in entry.symptoms
                ],
            )
        )
    if entry.body_sites:
        observations.append(
            _observation(
                entry,
                patient,
                "body_sites",
                _local("affected_body_sites", "Affected body sites"),
                component=[_body_site(code, entry.body_site_other) for code in entry.body_sites],
            )
        )
    if entry.side_effects:
        observations.append(
            _observation(
                entry,
                patient,
                "side_effects",
                _local("side_effects", "Side effects (0 none - 4 very severe)"),
                component=[
                    {
                        "code": _local(code, codes.label(codes.SIDE_EFFECTS, code)),
                        "valueInteger": severity,
                    }
                    for code, severity in sorted(entry.side_effects.items())
                ],
            )
        )
    return observations


def _body_site(code: str, other_text: str | None) -> dict[str, Any]:
    site = next((c for c in codes.BODY_SITES if c.code == code), None)
    label = site.label if site else code
    if code == "other" and other_text:
        label = f"Other: {other_text}"
    coding = [{"system": LOCAL, "code": code, "display": label}]
    if site is not None and site.snomed:
        coding.insert(0, {"system": codes.SNOMED, "code": site.snomed, "display": label})
    return {
        "code": _local("body_site", "Body site"),
        "valueCodeableConcept": {"coding": coding, "text": label},
    }


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
