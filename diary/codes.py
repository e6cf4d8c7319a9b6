"""Coded vocabularies of the diary: symptoms, body sites, side effects, exam signs.

One place for every code a patient or clinician can pick, its label, and where one exists its
standard code, so that an entry means the same thing in the UI, the API, CSV and FHIR.
The measures that use these lists (what an entry holds) are defined in diary.measures.
Sources and licences: docs/clinical.md. Labels are our own words (no copyrighted wording).
"""

from __future__ import annotations

from dataclasses import dataclass

LOCAL_SYSTEM = "urn:diary:codes"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"

# Pain now, 0-10 NRS. Never reuse it for worst/least/average pain: those have no LOINC code.
PAIN_NRS_LOINC = "72514-3"
NRS_MIN, NRS_MAX = 0, 10


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    group: str = ""
    snomed: str | None = None


SYMPTOM_GROUPS = {
    "sensory": "Sensation",
    "vasomotor": "Temperature and colour",
    "sudomotor": "Swelling and sweating",
    "motor": "Movement, skin, hair and nails",
}

# Patient-reported symptoms, grouped as the Budapest criteria group them.
SYMPTOMS: tuple[Code, ...] = (
    Code("allodynia", "Pain from light touch, clothing, or a breeze", "sensory"),
    Code("hyperalgesia", "Much more pain than expected from a small bump or prick", "sensory"),
    Code("burning", "Burning pain", "sensory"),
    Code("cold_sensitivity", "Pain or discomfort with cold", "sensory"),
    Code("heat_sensitivity", "Pain or discomfort with heat", "sensory"),
    Code("temperature_change", "Limb feels warmer or colder than the other side", "vasomotor"),
    Code("color_change", "Skin colour changed (red, blue, pale, blotchy)", "vasomotor"),
    Code("swelling", "Swelling", "sudomotor"),
    Code("sweating_change", "More or less sweating than the other side", "sudomotor"),
    Code("stiffness", "Stiffness, less movement than usual", "motor"),
    Code("weakness", "Weakness", "motor"),
    Code("tremor_spasm", "Tremor, jerks or spasms", "motor"),
    Code("abnormal_posture", "Limb takes an abnormal position", "motor"),
    Code("trophic_change", "Changes in hair, nails or skin", "motor"),
)

# CRPS Severity Score (Harden 2010, 16-item form): the 8 patient-reported symptom items and the
# patient symptom codes that count towards each. "continuing_pain" counts when pain > 0.
CSS_SYMPTOM_ITEMS: dict[str, frozenset[str]] = {
    "continuing_pain": frozenset(),
    # Pain with cold or heat is thermal allodynia/hyperalgesia: the Budapest criteria's
    # allodynia covers light touch, temperature sensation, deep pressure and joint movement.
    "allodynia_hyperalgesia": frozenset(
        {"allodynia", "hyperalgesia", "cold_sensitivity", "heat_sensitivity"}
    ),
    "temperature_asymmetry": frozenset({"temperature_change"}),
    "colour_asymmetry": frozenset({"color_change"}),
    "sweating_asymmetry": frozenset({"sweating_change"}),
    "edema": frozenset({"swelling"}),
    "trophic_changes": frozenset({"trophic_change"}),
    "motor_changes": frozenset({"stiffness", "weakness", "tremor_spasm", "abnormal_posture"}),
}

# The 8 clinician-observed signs of the CSS, recorded at an infusion visit.
EXAM_SIGNS: tuple[Code, ...] = (
    Code("hyperalgesia_pinprick", "Hyperalgesia to pinprick"),
    Code("allodynia", "Allodynia (light touch, temperature, pressure or joint movement)"),
    Code("temperature_asymmetry", "Temperature asymmetry on palpation"),
    Code("colour_asymmetry", "Skin colour asymmetry"),
    Code("sweating_asymmetry", "Sweating asymmetry"),
    Code("edema", "Asymmetric oedema"),
    Code("trophic_changes", "Trophic changes (hair, nails, skin)"),
    Code("motor_changes", "Motor abnormalities (weakness, tremor, dystonia, reduced range)"),
)

_SIDES = (("left", "Left"), ("right", "Right"))
# Codes are never renamed or removed (stored entries keep them): `elbow` and `upper_arm` came
# with the body map; `arm` (the whole arm) and `leg` (SNOMED CT's lower leg) stay valid.
_SITES = (
    ("hand", "hand", "85562004"),
    ("fingers", "fingers", "7569003"),
    ("palm", "palm", "21547004"),
    ("wrist", "wrist", "8205005"),
    ("forearm", "forearm", "14975008"),
    ("elbow", "elbow", "127949000"),
    ("upper_arm", "upper arm", "40983000"),
    ("arm", "whole arm", "53120007"),
    ("shoulder", "shoulder", "16982005"),
    ("hip", "hip", "29836001"),
    ("thigh", "thigh", "68367000"),
    ("knee", "knee", "72696002"),
    ("leg", "lower leg", "30021000"),
    ("ankle", "ankle", "344001"),
    ("foot", "foot", "56459004"),
    ("toes", "toes", "29707007"),
)
# Laterality qualifiers (SNOMED CT): left 7771000, right 24028007.
LATERALITY_SNOMED = {"left": "7771000", "right": "24028007"}

BODY_SITES: tuple[Code, ...] = (
    *(
        Code(f"{side}_{site}", f"{side_label} {label}", side, snomed)
        for side, side_label in _SIDES
        for site, label, snomed in _SITES
    ),
    Code("other", "Somewhere else", "other"),
)


@dataclass(frozen=True)
class Region:
    """A region of the body map (diary/body_map.py draws it): the body-site code it chooses on
    the patient's form, and every code that counts towards it in the review's shading (the
    finer or older codes of the same place: fingers and palm shade the hand)."""

    key: str  # e.g. "left_hand": the code chosen, and the name of the region's shape
    label: str  # e.g. "Left hand"
    side: str  # "left", "right" or "other"
    counts: frozenset[str]


# The body map's regions, top to bottom on each side, then "other". `arm` (the whole arm, from
# before the map) counts towards the upper arm: forearm, wrist and hand always had codes of
# their own, so "arm" was chosen for the part above the elbow.
_MAP_SITES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shoulder", ()),
    ("upper_arm", ("arm",)),
    ("elbow", ()),
    ("forearm", ()),
    ("wrist", ()),
    ("hand", ("fingers", "palm")),
    ("hip", ()),
    ("thigh", ()),
    ("knee", ()),
    ("leg", ()),
    ("ankle", ()),
    ("foot", ("toes",)),
)


def _site_label(site: str) -> str:
    return next(label for key, label, _ in _SITES if key == site)


BODY_MAP_REGIONS: tuple[Region, ...] = (
    *(
        Region(
            f"{side}_{site}",
            f"{side_label} {_site_label(site)}",
            side,
            frozenset({f"{side}_{site}", *(f"{side}_{more}" for more in also)}),
        )
        for side, side_label in _SIDES
        for site, also in _MAP_SITES
    ),
    Region("other", "Somewhere else", "other", frozenset({"other"})),
)
# Body-site codes offered beside the map (finer places, and the whole arm).
BODY_MAP_EXTRA_SITES = ("fingers", "palm", "toes", "arm")
BODY_MAP_EXTRA: tuple[Code, ...] = tuple(
    c for c in BODY_SITES if c.code.partition("_")[2] in BODY_MAP_EXTRA_SITES
)

SIDE_EFFECTS: tuple[Code, ...] = (
    Code("dissociation", "Feeling unreal or detached"),
    Code("hallucinations", "Seeing or hearing things that are not there"),
    Code("vivid_dreams", "Vivid dreams or nightmares"),
    Code("nausea", "Nausea"),
    Code("vomiting", "Vomiting"),
    Code("headache", "Headache"),
    Code("dizziness", "Dizziness"),
    Code("drowsiness", "Drowsiness"),
    Code("blurred_vision", "Blurred or double vision"),
    Code("anxiety", "Anxiety"),
    Code("memory_problems", "Memory or concentration problems"),
    Code("urinary_symptoms", "Passing urine often, urgently, or with pain"),
    Code("palpitations", "Racing or pounding heart"),
    Code("other", "Something else"),
)

# The five severity levels PRO-CTCAE uses; stored as 0-4.
SEVERITIES: tuple[str, ...] = ("None", "Mild", "Moderate", "Severe", "Very severe")

# Weekly check-in. PROMIS Pain Interference 4a (free to use with attribution: (c) PROMIS Health
# Organization) and the PGIC (public domain).
PROMIS_PI_4A_ATTRIBUTION = (
    "PROMIS Pain Interference Short Form 4a, (c) 2008-2020 PROMIS Health Organization and "
    "PROMIS Cooperative Group, used with attribution."
)
PROMIS_PI_4A_ITEMS: tuple[Code, ...] = (
    Code("pi_day_to_day", "How much did pain interfere with your day to day activities?"),
    Code("pi_work_home", "How much did pain interfere with work around the home?"),
    Code(
        "pi_social",
        "How much did pain interfere with your ability to participate in social activities?",
    ),
    Code("pi_chores", "How much did pain interfere with your household chores?"),
)
PROMIS_ANSWERS: tuple[str, ...] = (
    "Not at all",
    "A little bit",
    "Somewhat",
    "Quite a bit",
    "Very much",
)
PGIC_ANSWERS: tuple[str, ...] = (
    "Very much improved",
    "Much improved",
    "Minimally improved",
    "No change",
    "Minimally worse",
    "Much worse",
    "Very much worse",
)

SYMPTOM_CODES = frozenset(c.code for c in SYMPTOMS)
BODY_SITE_CODES = frozenset(c.code for c in BODY_SITES)
SIDE_EFFECT_CODES = frozenset(c.code for c in SIDE_EFFECTS)
EXAM_SIGN_CODES = frozenset(c.code for c in EXAM_SIGNS)


_LABELS: dict[int, tuple[tuple[Code, ...], dict[str, str]]] = {}  # by id() of the vocabulary


def label(codes: tuple[Code, ...], code: str) -> str:
    """The label shown for `code`, or the code itself when it is unknown (old data). Read from
    a dictionary made once per vocabulary (a 5-year review's charts label thousands of cells)."""
    found = _LABELS.get(id(codes))
    if found is None or found[0] is not codes:  # the vocabulary is kept: its id is not reused
        found = _LABELS[id(codes)] = (codes, {c.code: c.label for c in reversed(codes)})
    return found[1].get(code, code)


def _check_body_map() -> None:
    """The body map names only body sites of the list, and offers each of them once (a region
    or a place beside the map). Checked at import."""
    named = {c for r in BODY_MAP_REGIONS for c in r.counts | {r.key}}
    offered = [r.key for r in BODY_MAP_REGIONS] + [c.code for c in BODY_MAP_EXTRA]
    problems = sorted(named - BODY_SITE_CODES) + sorted(BODY_SITE_CODES ^ set(offered))
    if problems or len(offered) != len(set(offered)):
        raise ValueError(f"body map and body sites disagree: {problems or offered}")


_check_body_map()
