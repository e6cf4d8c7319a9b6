"""FHIR R4 export: a patient's diary as a Bundle (type collection): the Patient, one Observation
per diary entry with the entry's answers as components, and the ketamine infusions as
MedicationAdministrations.

- Every resource has a `urn:uuid:` fullUrl and every reference inside the Bundle uses that
  fullUrl, so R4's Bundle resolution rules find it inside the Bundle.
- An entry is one Observation (the panel pattern, like blood pressure): a local code for "diary
  entry", and one component per answer. Pain now is the component coded LOINC 72514-3; every
  other measure uses the local CodeSystem `urn:diary:codes` (never invent a LOINC code).
- The patient reported it: `performer` is the Patient.
- Body sites carry SNOMED CT with the side as a laterality qualifier (a post-coordinated
  expression, e.g. hand : laterality = right).
- `bundle_chunks` yields the JSON text piece by piece, so a long diary streams.

Takes stored rows and returns plain JSON-ready dicts; no queries, no Flask.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
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
UCUM = "http://unitsofmeasure.org"
# SNOMED CT attribute "Laterality" (272741003), used in post-coordinated body site expressions.
LATERALITY_ATTRIBUTE = "272741003"
# A fixed namespace for the uuids of resources that have integer ids in the database.
NAMESPACE = uuid.UUID("6f7c1d5e-8c1f-4a53-9d2a-1b3f0c9e2a71")
ENTRY_CODE = "diary_entry"
PAIN_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
INTEGER_MEASURES = (
    ("pain_worst", "Worst pain in the last 24 hours (0-10)"),
    ("pain_least", "Least pain in the last 24 hours (0-10)"),
    ("pain_average", "Average pain in the last 24 hours (0-10)"),
    ("sleep_quality", "Sleep quality (0-10)"),
    ("peg_enjoyment", "Pain interference with enjoyment of life (0-10)"),
    ("peg_activity", "Pain interference with general activity (0-10)"),
    ("mood", "Mood (0 very bad - 10 very good)"),
)
TEXT_MEASURES = (
    ("body_site_other", "Other body site, in the patient's words"),
    ("side_effect_other", "Other side effect, in the patient's words"),
)


def _local(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOCAL, "code": code, "display": display}]}


def patient_uuid(patient: User) -> str:
    return str(uuid.uuid5(NAMESPACE, f"patient/{patient.id}"))


def infusion_uuid(infusion: Infusion) -> str:
    return str(uuid.uuid5(NAMESPACE, f"infusion/{infusion.id}"))


def _ref(patient: User) -> dict[str, str]:
    return {"reference": f"urn:uuid:{patient_uuid(patient)}", "display": patient.display_name}


def pain_code() -> dict[str, Any]:
    return {
        "coding": [{"system": codes.LOINC, "code": codes.PAIN_NRS_LOINC, "display": PAIN_DISPLAY}],
        "text": "Pain now (0-10)",
    }


def body_site_concept(code: str, other_text: str | None) -> dict[str, Any]:
    """A body site as a CodeableConcept: SNOMED CT (site : laterality = side) when the site has
    a SNOMED code, and always the local code."""
    site = next((c for c in codes.BODY_SITES if c.code == code), None)
    label = site.label if site else code
    if code == "other" and other_text:
        label = f"Other: {other_text}"
    coding = [{"system": LOCAL, "code": code, "display": label}]
    if site is not None and site.snomed:
        side = codes.LATERALITY_SNOMED.get(site.group)
        expression = f"{site.snomed}:{LATERALITY_ATTRIBUTE}={side}" if side else site.snomed
        coding.insert(0, {"system": codes.SNOMED, "code": expression, "display": label})
    return {"coding": coding, "text": label}


def entry_observation(entry: Entry, patient: User) -> dict[str, Any]:
    """One diary entry as one Observation; each answer is a component (pain now first)."""
    components: list[dict[str, Any]] = [{"code": pain_code(), "valueInteger": entry.pain}]
    for field, display in INTEGER_MEASURES:
        value = getattr(entry, field)
        if value is not None:
            components.append({"code": _local(field, display), "valueInteger": value})
    if entry.sleep_hours is not None:
        components.append(
            {
                "code": _local("sleep_hours", "Hours slept"),
                "valueQuantity": {
                    "value": entry.sleep_hours,
                    "unit": "h",
                    "system": UCUM,
                    "code": "h",
                },
            }
        )
    for code in entry.symptoms or []:
        components.append(
            {"code": _local(code, codes.label(codes.SYMPTOMS, code)), "valueBoolean": True}
        )
    for code in entry.body_sites or []:
        components.append(
            {
                "code": _local("body_site", "Affected body site"),
                "valueCodeableConcept": body_site_concept(code, entry.body_site_other),
            }
        )
    for code, severity in sorted((entry.side_effects or {}).items()):
        components.append(
            {
                "code": _local(f"side_effect.{code}", codes.label(codes.SIDE_EFFECTS, code)),
                "valueInteger": severity,
            }
        )
    for medication in entry.medications or []:
        components.append(
            {"code": _local("medication", "Medication taken"), "valueString": medication}
        )
    for field, display in TEXT_MEASURES:
        value = getattr(entry, field)
        if value:
            components.append({"code": _local(field, display), "valueString": value})
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(entry.id),
        "status": "amended" if entry.version > 1 else "final",
        "category": [SURVEY],
        "code": _local(ENTRY_CODE, "CRPS diary entry"),
        "subject": _ref(patient),
        "effectiveDateTime": entry.day.isoformat(),
        "issued": entry.recorded_at.isoformat(),
        "performer": [_ref(patient)],
        "component": components,
    }
    if entry.note:
        resource["note"] = [{"text": entry.note}]
    return resource


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
        "id": infusion_uuid(infusion),
        "status": "completed",
        "medicationCodeableConcept": {"text": "Ketamine infusion"},
        "subject": _ref(patient),
        "effectivePeriod": {"start": infusion.started_at.isoformat(), "end": end.isoformat()},
        "dosage": {"text": ", ".join(parts) or "ketamine infusion", "route": {"text": "IV"}},
    }
    if infusion.dose_mg is not None:
        resource["dosage"]["dose"] = {
            "value": infusion.dose_mg,
            "unit": "mg",
            "system": UCUM,
            "code": "mg",
        }
    notes = [n for n in (infusion.notes, infusion.adverse_events, infusion.lab_notes) if n]
    if notes:
        resource["note"] = [{"text": n} for n in notes]
    return resource


def patient_resource(patient: User) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": patient_uuid(patient),
        "identifier": [{"system": "urn:diary:patient", "value": str(patient.id)}],
        "name": [{"text": patient.display_name}],
        "telecom": [{"system": "email", "value": patient.email}],
    }


def _bundle_entry(resource: dict[str, Any]) -> str:
    return json.dumps(
        {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}, separators=(",", ":")
    )


def bundle_chunks(
    patient: User, entries: Iterable[Entry], infusions: Iterable[Infusion], now: datetime
) -> Iterator[str]:
    """The Bundle's JSON text in pieces: the Patient, every live entry (as given, oldest
    first), then the infusions that have started by `now`. Nothing is held in memory but the
    resource being written."""
    head = {"resourceType": "Bundle", "type": "collection", "timestamp": now.isoformat()}
    yield json.dumps(head, separators=(",", ":"))[:-1] + ',"entry":['
    yield _bundle_entry(patient_resource(patient))
    for entry in entries:
        yield "," + _bundle_entry(entry_observation(entry, patient))
    for infusion in infusions:
        if infusion.started_at <= now:
            yield "," + _bundle_entry(infusion_administration(infusion, patient))
    yield "]}"


def patient_bundle(
    patient: User, entries: Iterable[Entry], infusions: Iterable[Infusion], now: datetime
) -> dict[str, Any]:
    """The whole Bundle as a dict (for tests and the archive)."""
    return json.loads("".join(bundle_chunks(patient, entries, infusions, now)))
