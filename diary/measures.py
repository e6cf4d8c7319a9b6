"""The diary's measures: everything a patient reports in an entry, each defined once, here.

A `Measure` says what the value is (kind, range, unit, codes), how the patient is asked (label,
section of the form, anchors, hint), how it leaves the app (CSV column, FHIR code) and how the
entries of one day combine (`daily`). Everything else derives from `MEASURES`:

- the patient form (templates/patient/_fields.html loops over `SECTIONS` and `in_section`),
- the form's reading (diary/patient/entry_form.py) and its JavaScript (`client_config`, which
  the page carries as JSON: static/js/diary.js has no list of fields),
- the API's entry schemas (diary/api/schemas/entries.py) and the entry rules
  (diary/services/entry_rules.py: ranges, codes, lengths, messages),
- the CSV columns (diary/services/exports.py) and the FHIR Observations (diary/fhir.py),
- the series the analysis reads (diary/services/series.py) and the daily aggregation
  (diary/analysis/daily.py).

The model (diary/models/entries.py) and the migrations name the columns. Other modules refer to
a measure through its constant here (`measures.PAIN`), never by spelling its code; a test greps
the tree for that. Adding a measure: docs/measures.md.

Pure data: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from diary import codes

# What a measure is (its kind, daily rule, section, FHIR place) is in measure_types.py; its names
# are re-exported here, the one module the rest of the code imports.
from diary.measure_types import LINES_MAX as LINES_MAX
from diary.measure_types import LIST_SEPARATOR as LIST_SEPARATOR
from diary.measure_types import TEXT_MAX as TEXT_MAX
from diary.measure_types import Daily, Fhir, Kind, Measure, Section

NOTE_MAX = 2000
# Form controls of a severity measure are named PREFIX + option code (one radio row each).
SEVERITY_PREFIX = "side_effect__"


_NRS_MESSAGE = "Choose a whole number from 0 to 10."
_INTERFERENCE = ("0 = Not at all", "10 = Completely")


def _nrs(code: str, label: str, section: str, fhir_display: str, **more: Any) -> Measure:
    more.setdefault("anchors", ("0 = No pain", "10 = Worst pain imaginable"))
    more.setdefault("daily", Daily.MEAN)
    return Measure(
        code,
        label,
        Kind.SCALE,
        fhir=Fhir(code, fhir_display),
        section=section,
        minimum=codes.NRS_MIN,
        maximum=codes.NRS_MAX,
        message=_NRS_MESSAGE,
        **more,
    )


def _note(code: str, label: str, on: Measure, section: str, **more: Any) -> Measure:
    """A free text that FHIR carries as a note on the Observation of `on`; a day keeps every
    text its entries gave."""
    return Measure(code, label, Kind.TEXT, Daily.TEXTS, Fhir(note_on=on.code), section, **more)


SECTIONS: tuple[Section, ...] = (
    Section("pain", "More about your pain"),
    Section("symptoms", "Symptoms"),
    Section("body-sites", "Where it hurts"),
    Section("sleep", "Sleep"),
    Section("interference", "Daily life"),
    Section("mood", "Mood"),
    Section("medications", "Medications taken"),
    Section("side-effects", "Side effects", first_after_infusion=True),
    Section("note", "Note"),
)

# Pain now: the diary's primary outcome, the only measure with a LOINC code (never reuse it for
# worst, least or average pain: those have none).
PAIN = Measure(
    "pain",
    "Pain now",
    Kind.SCALE,
    Daily.MEAN,
    Fhir(
        codes.PAIN_NRS_LOINC,
        "Pain now (0-10)",
        system=codes.LOINC,
        system_display="Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    ),
    required=True,
    minimum=codes.NRS_MIN,
    maximum=codes.NRS_MAX,
    anchors=("0 = No pain", "10 = Worst pain imaginable"),
    message="Choose your pain now, from 0 to 10.",
    chart_label="Pain now (daily mean)",
)
PAIN_WORST = _nrs(
    "pain_worst",
    "Worst pain in the last 24 hours",
    "pain",
    "Worst pain in the last 24 hours (0-10)",
    daily=Daily.MAX,
    chart_label="Worst pain (24 h)",
)
PAIN_LEAST = _nrs(
    "pain_least",
    "Least pain in the last 24 hours",
    "pain",
    "Least pain in the last 24 hours (0-10)",
    daily=Daily.MIN,
    not_above=PAIN_WORST.code,
)
PAIN_AVERAGE = _nrs(
    "pain_average",
    "Average pain in the last 24 hours",
    "pain",
    "Average pain in the last 24 hours (0-10)",
)
SYMPTOMS = Measure(
    "symptoms",
    "Symptoms",
    Kind.CODES,
    Daily.UNION,
    Fhir("crps_symptoms", "CRPS symptoms reported"),
    section="symptoms",
    options=codes.SYMPTOMS,
    option_groups=codes.SYMPTOM_GROUPS,
    noun="symptom",
)
BODY_SITES = Measure(
    "body_sites",
    "Where it hurts",
    Kind.CODES,
    Daily.UNION,
    Fhir("affected_body_sites", "Affected body sites", component=("body_site", "Body site")),
    section="body-sites",
    options=codes.BODY_SITES,
    option_groups={"left": "Left side", "right": "Right side", "other": "Elsewhere"},
    noun="body site",
    # The form shows the body map (templates/_body_map.html, codes.BODY_MAP_REGIONS).
    form_widget="body_map",
)
BODY_SITE_OTHER = _note("body_site_other", "Where else? (optional)", BODY_SITES, "body-sites")
SLEEP_HOURS = Measure(
    "sleep_hours",
    "Hours slept last night",
    Kind.DECIMAL,
    Daily.MEAN,
    Fhir("sleep_hours", "Hours slept"),
    section="sleep",
    minimum=0,
    maximum=24,
    decimals=1,
    step=0.5,
    unit="h",
    message="Enter the hours slept, from 0 to 24.",
    chart_label="Hours slept",
)
SLEEP_QUALITY = _nrs(
    "sleep_quality",
    "How well did you sleep?",
    "sleep",
    "Sleep quality (0-10)",
    anchors=("0 = Very badly", "10 = Very well"),
    chart_label="Sleep quality",
)
PEG_ENJOYMENT = _nrs(
    "peg_enjoyment",
    "How much did pain get in the way of enjoying life today?",
    "interference",
    "Pain interference with enjoyment of life (0-10)",
    anchors=_INTERFERENCE,
    chart_label="Interference: enjoyment",
)
PEG_ACTIVITY = _nrs(
    "peg_activity",
    "How much did pain get in the way of your usual activities today?",
    "interference",
    "Pain interference with general activity (0-10)",
    anchors=_INTERFERENCE,
    chart_label="Interference: activity",
)
MOOD = _nrs(
    "mood",
    "How is your mood?",
    "mood",
    "Mood (0 very bad - 10 very good)",
    anchors=("0 = Very bad", "10 = Very good"),
)
MEDICATIONS = Measure(
    "medications",
    "Medications you took, one per line",
    Kind.LINES,
    Daily.UNION,
    Fhir("medications_taken", "Medications taken", component=("medication", "Medication")),
    section="medications",
    hint="For example: gabapentin 300 mg",
    noun="medication",
)
SIDE_EFFECTS = Measure(
    "side_effects",
    "Side effects",
    Kind.SEVERITIES,
    Daily.MAX_PER_CODE,
    Fhir("side_effects", "Side effects (0 none - 4 very severe)"),
    section="side-effects",
    minimum=0,
    maximum=len(codes.SEVERITIES) - 1,
    options=codes.SIDE_EFFECTS,
    form_omits=frozenset({"other"}),  # the form asks for "something else" as text
    noun="side effect",
    message="Choose a severity from 0 (none) to 4 (very severe).",
)
SIDE_EFFECT_OTHER = _note(
    "side_effect_other", "Something else (optional)", SIDE_EFFECTS, "side-effects"
)
NOTE = _note(
    "note",
    "Anything else about today (optional)",
    PAIN,
    "note",
    max_length=NOTE_MAX,
    multiline=True,
    hint=f"Up to {NOTE_MAX} characters.",
)

# In the order of the model, the API, CSV and the analysis; the form orders them by SECTIONS.
MEASURES: tuple[Measure, ...] = (
    PAIN,
    PAIN_WORST,
    PAIN_LEAST,
    PAIN_AVERAGE,
    SYMPTOMS,
    BODY_SITES,
    BODY_SITE_OTHER,
    SLEEP_HOURS,
    SLEEP_QUALITY,
    PEG_ENJOYMENT,
    PEG_ACTIVITY,
    MOOD,
    MEDICATIONS,
    SIDE_EFFECTS,
    SIDE_EFFECT_OTHER,
    NOTE,
)
# "Same as yesterday" copies these from the day before into a new entry (pain is chosen fresh).
SAME_AS_YESTERDAY: tuple[Measure, ...] = (SYMPTOMS, BODY_SITES, BODY_SITE_OTHER, MEDICATIONS)
BY_CODE: Mapping[str, Measure] = {m.code: m for m in MEASURES}
CODES: tuple[str, ...] = tuple(BY_CODE)
REQUIRED: tuple[Measure, ...] = tuple(m for m in MEASURES if m.required)
# The registry's plain data for the pure analysis: code -> how a day combines its entries.
DAILY_RULES: Mapping[str, Daily] = {m.code: m.daily for m in MEASURES}


def in_section(key: str | None) -> tuple[Measure, ...]:
    """The measures asked in one section of the form (None: at the top), in registry order."""
    return tuple(m for m in MEASURES if m.section == key)


def sections_for_form(after_infusion: bool) -> Iterator[Section]:
    """The form's sections in the order shown: after an infusion, side effects come first."""
    if after_infusion:
        yield from (s for s in SECTIONS if s.first_after_infusion)
    yield from (s for s in SECTIONS if not (after_infusion and s.first_after_infusion))


def client_config() -> dict[str, Any]:
    """What static/js/diary.js needs to turn the form into the API's JSON (rendered into the
    page as JSON, so the script holds no copy of the measures)."""
    return {
        "fields": [{"code": m.code, "kind": str(m.kind), "required": m.required} for m in MEASURES],
        "severityPrefix": SEVERITY_PREFIX,
        "sameAsYesterday": [m.code for m in SAME_AS_YESTERDAY],
        "summary": {"code": PAIN.code, "label": PAIN.label, "maximum": PAIN.maximum},
        "requiredMessage": " ".join(m.message for m in REQUIRED),
    }


def _check() -> None:
    """The registry's own consistency, checked at import (a typo fails at once)."""
    keys = {s.key for s in SECTIONS}
    problems = [] if len(BY_CODE) == len(MEASURES) else ["two measures share a code"]
    for m in MEASURES:
        if m.section is not None and m.section not in keys:
            problems.append(f"{m.code}: unknown section {m.section!r}")
        if m.not_above is not None and m.not_above not in BY_CODE:
            problems.append(f"{m.code}: not_above names no measure")
        if (m.fhir.code is None) == (m.fhir.note_on is None):
            problems.append(f"{m.code}: give FHIR either a code or note_on")
        note_on = m.fhir.note_on
        if note_on is not None and (m.kind is not Kind.TEXT or note_on not in BY_CODE):
            problems.append(f"{m.code}: only a text can be a note, on a measure")
    if problems:
        raise ValueError("; ".join(problems))


_check()
