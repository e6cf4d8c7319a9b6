"""Safety over repeated infusions: side effects after each course, cumulative ketamine dose,
and rescue medication days around each course.

Pure: plain dates and numbers in, plain values out (no Flask, no database).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from diary.analysis.daily import DayAggregate, days_between
from diary.measures import MEDICATIONS, SIDE_EFFECTS

# The effects whose trend over repeated infusions the review shows: psychotomimetic effects,
# nausea, and urinary symptoms (ketamine can harm the bladder).
SAFETY_TREND_CODES = ("dissociation", "nausea", "urinary_symptoms")
SIDE_EFFECT_DAYS = 7
RESCUE_DAYS = 7
CUMULATIVE_DOSE_DAYS = 365

SAFETY_DEFINITION = (
    "Side effects after a course: the highest severity (0 none .. 4 very severe) reported from "
    "its first session's day to 7 days after it ended, stopping before the next course; blank "
    "when there were no entries. Cumulative dose: the sum of the total doses recorded for the "
    "sessions of the days since the same day a year ago (365 days before today), that day "
    "included (sessions without a dose are counted apart)."
)

RESCUE_DEFINITION = (
    "Rescue medication days: the days with at least one medication listed in the diary, among "
    "the days with entries, in the 7 days before a course's first session and in days +1 to +7 "
    "after it ended."
)


def worst_severity(
    aggregates: Mapping[date, DayAggregate], start: date, end: date, codes: Iterable[str]
) -> dict[str, int | None]:
    """For each code, the highest severity reported on start..end (0 when there were entries
    without it), None for every code when no day in the window has entries."""
    return worst_severity_of(
        [aggregates[d][SIDE_EFFECTS.code] for d in days_between(start, end) if d in aggregates],
        codes,
    )


def highest_severities(effects: Sequence[Mapping[str, int]]) -> dict[str, int] | None:
    """Each effect reported on the window's days with entries (one mapping of code -> severity
    a day), with its highest severity (at least 0), in the order first reported; None when no
    day has entries (the side-effect chart's column: blank, not "none")."""
    if not effects:
        return None
    highest: dict[str, int] = {}
    for day in effects:
        for code, severity in day.items():
            highest[code] = max(severity, highest.get(code, 0))
    return highest


def worst_severity_of(
    effects: Sequence[Mapping[str, int]], codes: Iterable[str]
) -> dict[str, int | None]:
    """worst_severity from the side effects of the window's days with entries (one mapping of
    code -> severity a day), as a caller that has read the window's days already gives them."""
    if not effects:
        return {code: None for code in codes}
    return {code: max(e.get(code, 0) for e in effects) for code in codes}


@dataclass(frozen=True)
class CumulativeDose:
    total_mg: float
    sessions: int  # sessions started in the window
    without_dose: int  # of those, sessions with no total dose recorded
    since: date


def cumulative_dose(
    sessions: Sequence[tuple[date, float | None]],
    today: date,
    days: int = CUMULATIVE_DOSE_DAYS,
) -> CumulativeDose:
    """SAFETY_DEFINITION: total mg of the past sessions (their local days) on the days from
    `since` = today - `days` to today, both included: "since" the day it names, whatever the
    hour a session of that day began. Sessions without a dose are counted in `without_dose`,
    never as 0 mg silently."""
    since = today - timedelta(days=days)
    window = [(day, mg) for day, mg in sessions if since <= day <= today]
    return CumulativeDose(
        total_mg=sum(mg for _, mg in window if mg is not None),
        sessions=len(window),
        without_dose=sum(1 for _, mg in window if mg is None),
        since=since,
    )


@dataclass(frozen=True)
class RescueDays:
    """`with_medication` of `with_entries` days in the window had a medication listed."""

    with_medication: int
    with_entries: int

    @property
    def text(self) -> str:
        if not self.with_entries:
            return "no entries"
        return f"{self.with_medication} of {self.with_entries} days"


def rescue_days(aggregates: Mapping[date, DayAggregate], start: date, end: date) -> RescueDays:
    """RESCUE_DEFINITION for one window start..end (both included)."""
    return rescue_days_of(
        [aggregates[d][MEDICATIONS.code] for d in days_between(start, end) if d in aggregates]
    )


def rescue_days_of(medications: Sequence[Iterable[str]]) -> RescueDays:
    """rescue_days from the medications of the window's days with entries (one collection a
    day, empty when none was listed), as a caller that has read the window's days gives them."""
    return RescueDays(sum(1 for m in medications if m), len(medications))
