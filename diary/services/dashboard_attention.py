"""How much each patient on the dashboard needs the clinician's attention: the rules, their
words and their order (docs/clinical.md, The dashboard's attention levels)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from diary.analysis.daily import EDGE_DIGITS
from diary.analysis.relief import ReliefStatus

HIGH, MEDIUM, LOW = "high", "medium", "low"
ATTENTION_RANK = {HIGH: 0, MEDIUM: 1, LOW: 2}
ATTENTION_LABELS = {HIGH: "High", MEDIUM: "Medium", LOW: "Low"}
WORSENED_PCT = 30.0
SILENT_DAYS = 4
DUE_DAYS = 7
RELIEF_HAS_ENDED = frozenset({ReliefStatus.ENDED, ReliefStatus.ENDED_IN_GAP})
ATTENTION_DEFINITION = (
    "Attention. High: the mean pain since the last course (as in its change vs baseline) is "
    "30% or more above the course's baseline, or the last entry is 4 or more days old (or there "
    "is none). Medium: an infusion is scheduled within 7 days, or relief after the last course "
    "has ended (also when it ended during a gap in the diary). Low: otherwise."
)


@dataclass(frozen=True)
class Attention:
    level: str
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return ATTENTION_LABELS[self.level]


def attention(
    *,
    today: date,
    last_entry_day: date | None,
    change_pct: float | None,
    next_infusion_day: date | None,
    relief_status: str | None,
) -> Attention:
    """How much a patient needs the clinician's attention (ATTENTION_DEFINITION).

    high: `change_pct` (the last course's change vs baseline, as the review's) >= +30, or
    `last_entry_day` is None or at least 4 days before `today`;
    medium: `next_infusion_day` is today or within the next 7 days, or `relief_status` is
    "ended" or "ended_in_gap" (RELIEF_HAS_ENDED: either way relief is over, the second only
    says the day is not exactly known);
    low: otherwise. `reasons` lists every rule that matched, in that order, in words.
    """
    high: list[str] = []
    medium: list[str] = []
    # on EDGE_DIGITS decimals, as the review's bands: exactly 30% above is "30% or more"
    if change_pct is not None and round(change_pct, EDGE_DIGITS) >= WORSENED_PCT:
        high.append(f"Pain {change_pct:.0f}% above the last course's baseline")
    if last_entry_day is None:
        high.append("No diary entries yet")
    elif (today - last_entry_day).days >= SILENT_DAYS:
        high.append(f"No entries for {(today - last_entry_day).days} days")
    if next_infusion_day is not None and 0 <= (next_infusion_day - today).days <= DUE_DAYS:
        days = (next_infusion_day - today).days
        medium.append(
            "Infusion due today" if days == 0 else f"Infusion due in {days} day{'s' * (days > 1)}"
        )
    if relief_status in RELIEF_HAS_ENDED:
        medium.append("Relief after the last course has ended")
    if high:
        return Attention(HIGH, tuple(high + medium))
    if medium:
        return Attention(MEDIUM, tuple(medium))
    return Attention(LOW, ())
