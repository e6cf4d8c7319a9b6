"""FHIR R4 export: a patient's diary as a Bundle (type collection): the Patient, one Observation
per diary entry with the entry's answers as components, and the ketamine infusions as
MedicationAdministrations.

- Every resource has a `urn:uuid:` fullUrl and every reference inside the Bundle uses that
  fullUrl, so R4's Bundle resolution rules find it inside the Bundle.
- An entry is one Observation (the panel pattern, as for blood pressure): a local code for "diary
  entry", and components for its answers. Each measure of the registry (diary.measures) says how
  it is coded: pain now carries LOINC 72514-3; every other measure uses the local CodeSystem
  `urn:diary:codes` (docs/clinical.md: never invent a LOINC code). The entry's note (a text
  noted on pain now) is the Observation's note; the other texts are components.
- Who reported it is the `performer`: the Patient, or, for an entry a parent or carer logged
  for the patient (a proxy entry), a RelatedPerson in the Bundle (R4 allows RelatedPerson as an
  Observation's performer) with the relationship "care giver" (HL7 v2 table 0063, code CGV)
  and the carer's name. The subject stays the Patient.
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

from diary import analysis, codes, infusion_fields, measures
from diary.measures import Kind, Measure
from diary.models import Entry, Infusion, User, WeeklyCheckin

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
ENTRY_CODE = ("diary_entry", "CRPS diary entry")
# The weekly check-in's two answers, each an Observation of its own (local codes: the diary
# does not invent LOINC codes). The items' displays are short names, not the questions.
PROMIS_CODE = ("promis_pi_4a_raw", "PROMIS Pain Interference 4a v1.0, raw score (4-20)")
PROMIS_ITEM_NAMES = {
    "pi_day_to_day": "Pain interference: day to day activities (1-5)",
    "pi_work_home": "Pain interference: work around the home (1-5)",
    "pi_social": "Pain interference: social activities (1-5)",
    "pi_chores": "Pain interference: household chores (1-5)",
}
PGIC_CODE = (
    "pgic",
    "Patient Global Impression of Change (1 very much improved, 7 very much worse)",
)
# The measure whose texts (`note_on`) become the Observation's note: the entry as a whole.
NOTED_ON = measures.PAIN
NOTE_ELEMENT = "note"  # FHIR's Annotation element of a resource


def _local(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOCAL, "code": code, "display": display}]}


def measure_code(m: Measure) -> dict[str, Any]:
    """The CodeableConcept of a measure, as the registry says."""
    if m.fhir.system == LOCAL:
        return _local(m.fhir.code or m.code, m.fhir.display or m.label)
    coding = {"system": m.fhir.system, "code": m.fhir.code}
    if m.fhir.system_display:
        coding["display"] = m.fhir.system_display
    return {"coding": [coding], "text": m.fhir.display}


def patient_uuid(patient: User) -> str:
    return str(uuid.uuid5(NAMESPACE, f"patient/{patient.id}"))


def infusion_uuid(infusion: Infusion) -> str:
    return str(uuid.uuid5(NAMESPACE, f"infusion/{infusion.id}"))


def _ref(patient: User) -> dict[str, str]:
    return {"reference": f"urn:uuid:{patient_uuid(patient)}", "display": patient.display_name}


# RelatedPerson.relationship of a parent or carer who logs for the patient.
CARE_GIVER = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/v2-0063", "code": "CGV",
         "display": "Care giver"}
    ],
    "text": "Parent or carer who logs the diary for the patient",
}  # fmt: skip


def related_person_uuid(carer: User, patient: User) -> str:
    return str(uuid.uuid5(NAMESPACE, f"related-person/{carer.id}/patient/{patient.id}"))


def related_person(carer: User, patient: User) -> dict[str, Any]:
    """A parent or carer who logged entries for the patient (the performer of those)."""
    return {
        "resourceType": "RelatedPerson",
        "id": related_person_uuid(carer, patient),
        "patient": _ref(patient),
        "relationship": [CARE_GIVER],
        "name": [{"text": carer.display_name}],
    }


def _carer_ref(carer: User, patient: User) -> dict[str, str]:
    return {
        "reference": f"urn:uuid:{related_person_uuid(carer, patient)}",
        "display": f"{carer.display_name} (carer)",
    }


def option_concept(m: Measure, code: str, other_text: str | None) -> dict[str, Any]:
    """A coded option (a body site) as a CodeableConcept: SNOMED CT first where it has one,
    with the side as a laterality qualifier, then the local code."""
    option = next((o for o in m.options if o.code == code), None)
    label = option.label if option else code
    if code == "other" and other_text:
        label = f"Other: {other_text}"
    coding = [{"system": LOCAL, "code": code, "display": label}]
    if option is not None and option.snomed:
        side = codes.LATERALITY_SNOMED.get(option.group)
        expression = f"{option.snomed}:{LATERALITY_ATTRIBUTE}={side}" if side else option.snomed
        coding.insert(0, {"system": codes.SNOMED, "code": expression, "display": label})
    return {"coding": coding, "text": label}


def _components(m: Measure, value: Any, other_text: str | None) -> list[dict[str, Any]]:
    """The components carrying one measure's value, by its kind."""
    if m.kind is Kind.SCALE:
        return [{"code": measure_code(m), "valueInteger": value}]
    if m.kind is Kind.DECIMAL:
        quantity = {"value": value, "unit": m.unit, "system": UCUM, "code": m.unit}
        return [{"code": measure_code(m), "valueQuantity": quantity}]
    if m.kind is Kind.TEXT:
        return [{"code": _local(m.code, m.label.removesuffix(" (optional)")), "valueString": value}]
    if m.kind is Kind.SEVERITIES:
        return [
            {"code": _local(code, codes.label(m.options, code)), "valueInteger": severity}
            for code, severity in sorted(value.items())
        ]
    if m.fhir.component is None:  # each code reported is its own component
        return [
            {"code": _local(code, codes.label(m.options, code)), "valueBoolean": True}
            for code in value
        ]
    code = _local(*m.fhir.component)
    if m.kind is Kind.LINES:
        return [{"code": code, "valueString": line} for line in value]
    return [
        {"code": code, "valueCodeableConcept": option_concept(m, option, other_text)}
        for option in value
    ]


def _reported(value: Any) -> bool:
    return value is not None and value != [] and value != {} and value != ""


def entry_observation(
    entry: Entry, patient: User, carers: dict[int, User] | None = None
) -> dict[str, Any]:
    """One diary entry as one Observation: a component per answer, in the registry's order
    (pain now first); the note as the Observation's note. `carers`: the parents or carers who
    logged some of the patient's entries, by id (their entries name them as performer)."""
    components: list[dict[str, Any]] = []
    notes: list[str] = []
    for m in measures.MEASURES:
        value = m.of(entry)
        if not _reported(value):
            continue
        if m.fhir.note_on == NOTED_ON.code:
            notes.append(value)
            continue
        other = next(
            (t.of(entry) for t in measures.MEASURES if t.fhir.note_on == m.code),
            None,
        )
        components.extend(_components(m, value, other))
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(entry.id),
        "status": "amended" if entry.version > 1 else "final",
        "category": [SURVEY],
        "code": _local(*ENTRY_CODE),
        "subject": _ref(patient),
        "effectiveDateTime": entry.day.isoformat(),
        "issued": entry.recorded_at.isoformat(),
        "performer": [_performer(entry, patient, carers or {})],
        "component": components,
    }
    if notes:
        resource[NOTE_ELEMENT] = [{"text": text} for text in notes]
    return resource


def checkin_observations(checkin: WeeklyCheckin, patient: User) -> list[dict[str, Any]]:
    """A weekly check-in as Observations of its day: the PROMIS PI 4a answers (a component
    per item answered, the raw score as the value when all four are: the app never prorates)
    and the PGIC (1-7), each when given. Ids derived from the check-in's, one per answer."""
    base = {
        "resourceType": "Observation",
        "status": "final",
        "category": [SURVEY],
        "subject": _ref(patient),
        "effectiveDateTime": checkin.day.isoformat(),
        "issued": checkin.recorded_at.isoformat(),
        "performer": [_ref(patient)],
    }
    out = []
    answers = checkin.promis_pi or {}
    given = [(item, answers.get(item.code)) for item in codes.PROMIS_PI_4A_ITEMS]
    if any(answer is not None for _, answer in given):
        promis: dict[str, Any] = {
            **base,
            "id": str(uuid.uuid5(checkin.id, PROMIS_CODE[0])),
            "code": _local(*PROMIS_CODE),
            "component": [
                {"code": _local(item.code, PROMIS_ITEM_NAMES[item.code]), "valueInteger": answer}
                for item, answer in given
                if answer is not None
            ],
        }
        try:
            raw = analysis.promis_pi_raw([answer for _, answer in given])
        except ValueError:  # an answer outside 1-5 (never stored: the check-in's rules)
            raw = None
        if raw is None:
            promis["dataAbsentReason"] = {"text": "Not every item answered: no raw score"}
        else:
            promis["valueInteger"] = raw
        out.append(promis)
    if checkin.pgic is not None:
        out.append(
            {
                **base,
                "id": str(uuid.uuid5(checkin.id, PGIC_CODE[0])),
                "code": _local(*PGIC_CODE),
                "valueInteger": checkin.pgic,
                "note": [{"text": codes.PGIC_ANSWERS[checkin.pgic - 1]}],
            }
        )
    return out


def _performer(entry: Entry, patient: User, carers: dict[int, User]) -> dict[str, str]:
    carer = carers.get(entry.entered_by_id) if entry.entered_by_id is not None else None
    return _carer_ref(carer, patient) if carer is not None else _ref(patient)


def infusion_administration(infusion: Infusion, patient: User, now: datetime) -> dict[str, Any]:
    """The session as a MedicationAdministration: "in-progress" while a continuous infusion
    started before `now` (the Bundle's timestamp) is still running, else "completed"."""
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
        "status": "in-progress" if end > now else "completed",
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
    notes = [n for n in (getattr(infusion, name) for name in infusion_fields.FHIR_NOTES) if n]
    if notes:
        resource[NOTE_ELEMENT] = [{"text": n} for n in notes]
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
    patient: User,
    entries: Iterable[Entry],
    infusions: Iterable[Infusion],
    now: datetime,
    *,
    carers: Iterable[User] = (),
    checkins: Iterable[WeeklyCheckin] = (),
) -> Iterator[str]:
    """The Bundle's JSON text in pieces: the Patient, a RelatedPerson per carer who logged
    entries, every live entry (as given, oldest first), the weekly check-ins' answers
    (checkin_observations), then the infusions that have started by `now`. Nothing is held in
    memory but the resource being written."""
    by_id = {carer.id: carer for carer in carers}
    head = {"resourceType": "Bundle", "type": "collection", "timestamp": now.isoformat()}
    yield json.dumps(head, separators=(",", ":"))[:-1] + ',"entry":['
    yield _bundle_entry(patient_resource(patient))
    for carer in by_id.values():
        yield "," + _bundle_entry(related_person(carer, patient))
    for entry in entries:
        yield "," + _bundle_entry(entry_observation(entry, patient, by_id))
    for checkin in checkins:
        for resource in checkin_observations(checkin, patient):
            yield "," + _bundle_entry(resource)
    for infusion in infusions:
        if infusion.started_at <= now:
            yield "," + _bundle_entry(infusion_administration(infusion, patient, now))
    yield "]}"


def patient_bundle(
    patient: User,
    entries: Iterable[Entry],
    infusions: Iterable[Infusion],
    now: datetime,
    *,
    carers: Iterable[User] = (),
    checkins: Iterable[WeeklyCheckin] = (),
) -> dict[str, Any]:
    """The whole Bundle as a dict (for tests and the archive)."""
    chunks = bundle_chunks(patient, entries, infusions, now, carers=carers, checkins=checkins)
    return json.loads("".join(chunks))
