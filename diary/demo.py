"""A demo clinic: one clinician and three patients with about 120 days of realistic diaries.

Pain sits near each patient's own level, falls within a day or two of each infusion, and drifts
back over several weeks; symptoms follow pain; some days are missed, more often in bad spells.
Everything is seeded, so a demo is the same every time it is made on the same day.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from diary import codes, measures
from diary.extensions import db
from diary.models import Entry, Infusion, Role, User, UsualMedication, WeeklyCheckin
from diary.services import accounts

CLINICIAN_EMAIL = "clinician@demo.example"
PATIENT_EMAILS = tuple(f"patient{n}@demo.example" for n in (1, 2, 3))
DAYS = 120
SPREAD_DAYS = 45
USUAL_MEDICATIONS = (("gabapentin", "300 mg"), ("paracetamol", "1 g"))


@dataclass(frozen=True)
class DemoPatient:
    name: str
    timezone: str
    level: float  # usual pain without treatment
    relief: float  # share of pain an infusion takes away at best
    relief_weeks: float  # how long relief takes to wear off
    infusion_gaps: tuple[int, ...]  # days between infusions
    sites: tuple[str, ...]
    adherence: float
    # Sites that join in the last SPREAD_DAYS of the diary (CRPS spreading to another limb: the
    # review's body map shows it in the latest quarter).
    spread: tuple[str, ...] = ()


PROFILES = (
    DemoPatient(
        "Alex Morgan",
        "Europe/London",
        7.2,
        0.55,
        7,
        (0, 30, 32, 31),
        ("right_hand", "right_wrist"),
        0.9,
        ("left_hand",),
    ),
    DemoPatient(
        "Sam Rivera",
        "America/New_York",
        6.4,
        0.4,
        4,
        (0, 26, 25, 24, 24),
        ("left_foot", "left_ankle"),
        0.8,
    ),
    DemoPatient(
        "Jo Lindqvist",
        "Europe/Stockholm",
        8.0,
        0.25,
        3,
        (0, 40, 38),
        ("right_arm", "right_shoulder", "right_hand"),
        0.7,
    ),
)


def create_demo(password: str = "demo", today: date | None = None) -> tuple[User, list[User], bool]:
    """Create the demo clinic unless it exists. Returns (clinician, patients, created)."""
    existing = accounts.find_user(CLINICIAN_EMAIL)
    if existing is not None:
        patients = [u for e in PATIENT_EMAILS if (u := accounts.find_user(e)) is not None]
        return existing, patients, False
    today = today or datetime.now(UTC).date()
    clinician = accounts.create_user(
        CLINICIAN_EMAIL,
        password,
        Role.CLINICIAN,
        "Dr Casey Demo",
        "Europe/London",
        check_password=False,
    )
    patients = []
    for index, (email, profile) in enumerate(zip(PATIENT_EMAILS, PROFILES, strict=True)):
        patient = accounts.create_user(
            email, password, Role.PATIENT, profile.name, profile.timezone, check_password=False
        )
        patient.reminder_time = time(20, 0)
        accounts.link(clinician, patient)
        for name, dose in USUAL_MEDICATIONS:
            db.session.add(UsualMedication(patient_id=patient.id, name=name, dose=dose))
        _fill_diary(patient, clinician, profile, today, random.Random(index + 1))
        patients.append(patient)
    db.session.commit()
    return clinician, patients, True


def _fill_diary(
    patient: User, clinician: User, p: DemoPatient, today: date, rng: random.Random
) -> None:
    start = today - timedelta(days=DAYS - 1)
    first = start + timedelta(days=10 + rng.randrange(5))
    infusion_days, day = [], first
    for gap in p.infusion_gaps:
        day += timedelta(days=gap)
        if day <= today:
            infusion_days.append(day)
    next_infusion = infusion_days[-1] + timedelta(days=p.infusion_gaps[-1])
    if next_infusion <= today:
        next_infusion = today + timedelta(days=3)
    zone = ZoneInfo(p.timezone)

    db.session.execute(
        insert(Infusion),
        [_infusion(patient, clinician, d, zone, rng, p) for d in infusion_days]
        + [_scheduled(patient, clinician, next_infusion, zone)],
    )
    rows, checkins = [], []
    for offset in range(DAYS):
        day = start + timedelta(days=offset)
        felt = _pain_on(day, infusion_days, p, rng)
        if rng.random() > p.adherence + (0.05 if felt < 5 else -0.05):
            continue  # a missed day
        since = [(day - d).days for d in infusion_days if d <= day]
        entry = _entry(patient, day, felt, min(since) if since else None, zone, rng, p)
        if p.spread and (today - day).days < SPREAD_DAYS:
            entry[measures.BODY_SITES.code] += list(p.spread)
        rows.append(entry)
        if day.weekday() == 6:
            checkins.append(_checkin(patient, day, felt, zone, rng))
    db.session.execute(insert(Entry), rows)
    if checkins:
        db.session.execute(insert(WeeklyCheckin), checkins)


def _pain_on(day: date, infusion_days: list[date], p: DemoPatient, rng: random.Random) -> float:
    relief = 0.0
    for infusion in infusion_days:
        days = (day - infusion).days
        if days >= 1:
            # Full effect after a day or two, wearing off over `relief_weeks`.
            onset = min(1.0, days / 2)
            wear = max(0.0, 1 - days / (p.relief_weeks * 7))
            relief = max(relief, p.relief * onset * wear)
    return min(10.0, max(0.0, p.level * (1 - relief) + rng.gauss(0, 0.7)))


def _local(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), zone).astimezone(UTC)


def _entry(patient, day, felt, days_since_infusion, zone, rng, p) -> dict:
    now_pain = round(felt)
    reported = [
        c.code for c in codes.SYMPTOMS if rng.random() < 0.08 + 0.07 * felt * (c.group != "motor")
    ]
    effects = {}
    if days_since_infusion is not None and days_since_infusion <= 4:
        for code in ("vivid_dreams", "nausea", "dissociation", "headache", "drowsiness"):
            if rng.random() < 0.5 - 0.1 * days_since_infusion:
                effects[code] = max(1, 3 - days_since_infusion + rng.randrange(-1, 2))
    late = rng.random() < 0.1
    recorded = _local(day + timedelta(days=1 if late else 0), rng.randrange(18, 23), 0, zone)
    return {
        "id": uuid.uuid4(),
        "patient_id": patient.id,
        "day": day,
        "recorded_at": recorded,
        "created_at": recorded,
        "updated_at": recorded,
        measures.PAIN.code: now_pain,
        measures.PAIN_WORST.code: min(10, now_pain + rng.randrange(0, 3)),
        measures.PAIN_LEAST.code: max(0, now_pain - rng.randrange(1, 4)),
        measures.PAIN_AVERAGE.code: now_pain,
        measures.SYMPTOMS.code: reported,
        measures.BODY_SITES.code: list(p.sites),
        measures.MEDICATIONS.code: ["gabapentin 300 mg"]
        + (["paracetamol 1 g"] if felt > 6 else []),
        measures.SIDE_EFFECTS.code: effects,
        measures.SLEEP_HOURS.code: round(
            max(3.0, min(9.5, 8.5 - 0.45 * felt + rng.gauss(0, 0.8))), 1
        ),
        measures.SLEEP_QUALITY.code: max(0, min(10, round(9 - 0.8 * felt + rng.gauss(0, 1)))),
        measures.PEG_ENJOYMENT.code: max(0, min(10, round(felt + rng.gauss(0, 1)))),
        measures.PEG_ACTIVITY.code: max(0, min(10, round(felt + rng.gauss(0.5, 1)))),
        measures.MOOD.code: max(0, min(10, round(9 - 0.7 * felt + rng.gauss(0, 1)))),
        measures.NOTE.code: _note(felt, days_since_infusion, rng),
        "version": 1,
    }


NOTES_BAD = ("Could not wear a sleeve today.", "Flare after a cold morning.", "Bad night.")
NOTES_GOOD = ("Walked to the shop.", "Could hold a cup with the bad hand.", "Slept well.")


def _note(felt: float, days_since: int | None, rng: random.Random) -> str | None:
    if days_since == 1:
        return "Strange dreams last night, otherwise calmer."
    if rng.random() > 0.12:
        return None
    return rng.choice(NOTES_BAD if felt >= 6 else NOTES_GOOD)


def _checkin(patient, day, felt, zone, rng) -> dict:
    answer = max(1, min(5, round(1 + felt / 2.5 + rng.gauss(0, 0.5))))
    return {
        "id": uuid.uuid4(),
        "patient_id": patient.id,
        "day": day,
        "recorded_at": _local(day, 19, 30, zone),
        "promis_pi": {item.code: answer for item in codes.PROMIS_PI_4A_ITEMS},
        "pgic": max(1, min(7, round(2 + felt / 2.5))),
    }


def _infusion(patient, clinician, day, zone, rng, p) -> dict:
    at = _local(day, 9, 0, zone)
    pre = round(p.level + rng.gauss(0, 0.5))
    return {
        "patient_id": patient.id,
        "clinician_id": clinician.id,
        "started_at": at,
        "duration_minutes": 240,
        "dose_mg": round(0.35 * 70 * 4, 1),
        "rate_mg_kg_h": 0.35,
        "adjuncts": ["midazolam 2 mg", "ondansetron 4 mg"],
        "pain_pre": max(0, min(10, pre)),
        "pain_post": max(0, min(10, pre - 3)),
        "adverse_events": "Mild dissociation during the infusion, settled."
        if rng.random() < 0.5
        else None,
        "notes": "Tolerated well.",
        "exam_signs": ["allodynia", "temperature_asymmetry", "edema", "motor_changes"],
        "created_at": at,
        "updated_at": at,
    }


def _scheduled(patient, clinician, day, zone) -> dict:
    at = _local(day, 9, 0, zone)
    return {
        "patient_id": patient.id,
        "clinician_id": clinician.id,
        "started_at": at,
        "duration_minutes": 240,
        "adjuncts": [],
        "notes": "Scheduled.",
        "created_at": at,
        "updated_at": at,
    }
