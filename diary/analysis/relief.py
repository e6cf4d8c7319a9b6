"""Relief duration after an infusion or a course: how long pain stayed 30% or more below its
baseline (RELIEF_DEFINITION), with gaps in the diary reported as what they are.

Pure: plain dates and numbers in, plain values out (no Flask, no database).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from itertools import compress, repeat
from operator import is_not

from diary.analysis.daily import EDGE_DIGITS, ONE_DAY, days_between
from diary.analysis.trailing import span_of, trailing_means

RELIEF_THRESHOLD_FACTOR = 0.7
RELIEF_WINDOW = 3
RELIEF_MIN_POINTS = 2
RELIEF_END_DAYS = 2
RELIEF_MIN_DATA_DAYS = 3
# A single day without entries is bridged by the 2-of-3 rolling mean; from 2 missing days in a
# row on, the end of relief is reported as an interval.
RELIEF_GAP_DAYS = 2
# Relief after ketamine for CRPS lasts weeks to about 12 weeks; observation stops at day 84,
# the same horizon as the best response.
RELIEF_HORIZON_DAYS = 84
_HORIZON = timedelta(days=RELIEF_HORIZON_DAYS)
# "Still in relief" needs an entry this recent (days before today); otherwise the page says
# when the last entry was.
RELIEF_STALE_DAYS = 2
# EDGE_DIGITS (daily.py): compared on the same 6 decimals as the responder bands, so that a
# pain exactly 30% below the baseline (e.g. 3 against 30/7) is at the threshold and not a
# float's hair above it.


class ReliefStatus(StrEnum):
    ENDED = "ended"
    ENDED_IN_GAP = "ended_in_gap"
    ONGOING = "ongoing"
    NO_RECENT_DATA = "no_recent_data"
    CENSORED = "censored"
    AT_HORIZON = "at_horizon"
    NONE = "no_relief"
    NO_BASELINE_PAIN = "no_baseline_pain"
    NOT_ENOUGH_DATA = "not_enough_data"


RELIEF_LABELS: dict[str, str] = {
    ReliefStatus.ENDED: "Relief ended",
    ReliefStatus.ENDED_IN_GAP: "Relief ended during a gap in the diary",
    ReliefStatus.ONGOING: "Still in relief",
    ReliefStatus.NO_RECENT_DATA: "In relief at the last entry",
    ReliefStatus.CENSORED: "Relief lasted until the next infusion",
    ReliefStatus.AT_HORIZON: "Still in relief at day 84 (end of observation)",
    ReliefStatus.NONE: "No relief",
    ReliefStatus.NO_BASELINE_PAIN: "No pain at baseline: relief undefined",
    ReliefStatus.NOT_ENOUGH_DATA: "Not enough data",
}

RELIEF_DEFINITION = (
    "Relief duration is our own definition, based on the IMMPACT 30% threshold. Baseline: the mean "
    "daily pain over the 7 days before the infusion, or before the first session of a course (at "
    "least 4 days with entries). Threshold: baseline x 0.7. Day 0 is the day the infusion (or the "
    "course's last session, or a continuous infusion) ended. From day 1 we take the 3-day rolling "
    "mean of daily pain (days after day 0 only; at least 2 of the 3 days with entries). Relief "
    "starts when that mean is at or below the threshold, and ends on the first day it is above the "
    "threshold on that day and the next; the duration is the number of days from day 0 to that day."
    " When 2 or more days without entries lie between the last entry still in relief and the next "
    "entry, the end is only known to lie between them and both days are shown, so gap days are "
    "never counted as relief; a gap inside a relief (entries in relief on both sides) is bridged "
    "and its days without entries are printed. 'Still in relief' means it had not ended by the last"
    " entry (at least that many days; when the last entry is more than 2 days old the page says "
    "since when there are no entries); 'until the next infusion' means the next session came first;"
    " observation stops at day 84. 'No relief' means the mean never reached the threshold; with no "
    "pain at baseline there is no 30% threshold. 'Not enough data' means no baseline or fewer than "
    "3 days with entries after day 0."
)


@dataclass(frozen=True)
class Relief:
    """Result of `relief_duration`.

    `status` (RELIEF_LABELS); `days`: exact for "ended", the lower bound for "ended_in_gap",
    a minimum for the in-relief statuses, None otherwise; `days_max`: the upper bound for
    "ended_in_gap" (else None); `threshold`: baseline x 0.7 (None without a baseline);
    `last_data_day`: the last day with an entry in the observation window; `unobserved_days`:
    days without entries inside the span counted (a gap bridged by entries in relief on both
    sides), printed so that they are not read as observed relief."""

    status: str
    days: int | None
    threshold: float | None
    days_max: int | None = None
    last_data_day: date | None = None
    # Days without entries inside the span counted as relief (day 1 to its end or last entry).
    unobserved_days: int = 0

    @property
    def label(self) -> str:
        return RELIEF_LABELS[self.status]

    @property
    def in_relief_at_end(self) -> bool:
        return self.status in (
            ReliefStatus.ONGOING,
            ReliefStatus.NO_RECENT_DATA,
            ReliefStatus.CENSORED,
            ReliefStatus.AT_HORIZON,
        )

    @property
    def text(self) -> str:
        """The result in words, as the review prints it."""
        text = self._text()
        if self.unobserved_days >= RELIEF_GAP_DAYS:
            text += f"; {self.unobserved_days} of those days without entries"
        return text

    def _text(self) -> str:
        if self.status == ReliefStatus.ENDED:
            return f"Ended after {self.days} days"
        if self.status == ReliefStatus.ENDED_IN_GAP:
            return f"Ended between day {self.days} and day {self.days_max} (no entries between)"
        if self.status == ReliefStatus.AT_HORIZON:
            return f"At least {self.days} days (still in relief at the end of observation)"
        if self.status == ReliefStatus.NO_RECENT_DATA and self.last_data_day is not None:
            return (
                f"At least {self.days} days, no entries since "
                f"{self.last_data_day.strftime('%d %b %Y')}"
            )
        if self.in_relief_at_end:
            return f"{self.label} (at least {self.days} days)"
        return self.label


def at_or_below(value: float, threshold: float) -> bool:
    """value <= threshold on EDGE_DIGITS decimals (exactly 30% less pain is at the threshold)."""
    return round(value, EDGE_DIGITS) <= round(threshold, EDGE_DIGITS)


def relief_duration(
    daily_pain: Mapping[date, float],
    infusion_day: date,
    baseline: float | None,
    *,
    next_infusion_day: date | None = None,
    today: date | None = None,
    observed_rolling: tuple[list[date], list[float | None], list[float | None], float | None]
    | None = None,
) -> Relief:
    """How long pain stayed at least 30% below baseline after day 0 = `infusion_day` (the day
    the infusion or course ended; RELIEF_DEFINITION).

    threshold = baseline x 0.7. Observation covers days +1 .. +84, stopping the day before
    `next_infusion_day` when given. On each observed day D the rolling value is the mean of
    daily pain on D-2 .. D, counting only observed days and only when at least 2 of the 3 have
    data; it is "in relief" when at or below the threshold (at_or_below).

    Relief starts on the first day in relief. It ends on the first later day D whose rolling
    value is above the threshold on D and on D+1. Let L be the last day with an entry before D
    that was in relief, and F the first day with an entry after L. Without a gap (F <= L + 2:
    a single missing day is bridged) the end is exact: "ended", days = D - day 0. With a gap:
    "ended_in_gap", days = L - day 0, days_max = F - day 0 when F's own pain is above the
    threshold, else D - day 0.
    Otherwise, with relief started and not ended: "censored" when the next infusion cut the
    observation; "at_horizon" when the last observed day is +84; "no_recent_data" when
    `today` is given and the last entry is more than RELIEF_STALE_DAYS before it; else
    "ongoing"; days = last day with an entry - day 0 (a minimum).
    "no_relief": no day in relief. "no_baseline_pain": baseline 0 (no 30% of nothing).
    "not_enough_data": no baseline, fewer than 3 days with entries, or no rolling value.

    `observed_rolling`: every day +1 .. the stop above, their pain (None: no entry), the
    rolling values of days +1 .. the last day with an entry and the lowest of those (None
    when there is none), exactly as worked out here, when the caller has them already
    (infusion_response reads the same window).
    """
    if baseline is None:
        return Relief(ReliefStatus.NOT_ENOUGH_DATA, None, None)
    if round(baseline, EDGE_DIGITS) == 0:
        return Relief(ReliefStatus.NO_BASELINE_PAIN, None, 0.0)
    threshold = baseline * RELIEF_THRESHOLD_FACTOR
    first = infusion_day + ONE_DAY
    horizon = infusion_day + _HORIZON
    stop = horizon
    cut_by_next = next_infusion_day is not None and next_infusion_day - ONE_DAY <= horizon
    if next_infusion_day is not None:
        stop = min(stop, next_infusion_day - ONE_DAY)
    if observed_rolling is None:
        # The days looked up one by one: a course's window, not the whole history.
        window = days_between(first, stop)
        read = list(map(daily_pain.get, window))
        means = trailing_means(read[: span_of(read)], RELIEF_WINDOW, RELIEF_MIN_POINTS)
        lowest = min(compress(means, map(is_not, means, repeat(None))), default=None)
    else:
        window, read, means, lowest = observed_rolling
    if len(read) - read.count(None) < RELIEF_MIN_DATA_DAYS:
        return Relief(ReliefStatus.NOT_ENOUGH_DATA, None, threshold)
    days = window[: len(means)]  # days +1 .. the last day with an entry
    last = days[-1]
    # Each day with a rolling value, in day order: True when in relief (at_or_below the
    # threshold; the threshold rounded once). A value is rounded only near the threshold:
    # round(v, 6) is monotonic and the rounded threshold its own rounding, so a value at or
    # below it is in relief, and one 2e-6 or more above it rounds above it (round with
    # digits is the costly part of this loop, a day of every course).
    limit = round(threshold, EDGE_DIGITS)
    above_all = limit + 2 * 10**-EDGE_DIGITS
    if lowest is None:
        return Relief(ReliefStatus.NOT_ENOUGH_DATA, None, threshold, last_data_day=last)
    if lowest >= above_all:
        # Every rolling value rounds above the threshold (the lowest does): no day in relief,
        # known from the lowest, not from a test a day (a course without relief).
        return Relief(ReliefStatus.NONE, None, threshold, last_data_day=last)
    # The days with an entry and their pain, in day order.
    observed = dict(compress(zip(window, read, strict=True), map(is_not, read, repeat(None))))
    relieved = {
        d: v <= limit or (v < above_all and round(v, EDGE_DIGITS) <= limit)
        for d, v in zip(days, means, strict=True)
        if v is not None
    }

    def in_relief(day: date) -> bool:
        return relieved.get(day) is True

    def above(day: date) -> bool:
        return relieved.get(day) is False

    start: date | None = None
    for day, relief in relieved.items():
        if relief:
            start = start or day
        elif start and all(above(day + i * ONE_DAY) for i in range(RELIEF_END_DAYS)):
            last_in = max(
                (
                    d
                    for d in observed
                    if d < day and (in_relief(d) or at_or_below(observed[d], threshold))
                ),
                default=start,
            )
            next_entry = min((d for d in observed if d > last_in), default=day)
            if (next_entry - last_in).days <= RELIEF_GAP_DAYS:
                missing = sum(1 for d in days_between(first, day) if d not in observed)
                return Relief(
                    ReliefStatus.ENDED, (day - infusion_day).days, threshold, None, last, missing
                )
            upper = next_entry if observed[next_entry] > threshold else day
            return Relief(
                ReliefStatus.ENDED_IN_GAP,
                (last_in - infusion_day).days,
                threshold,
                (upper - infusion_day).days,
                last,
                sum(1 for d in days_between(first, last_in) if d not in observed),
            )
    if start is None:
        return Relief(ReliefStatus.NONE, None, threshold, last_data_day=last)
    minimum = (last - infusion_day).days
    if cut_by_next:
        status = ReliefStatus.CENSORED
    elif (horizon - last).days <= RELIEF_STALE_DAYS:
        status = ReliefStatus.AT_HORIZON
    elif today is not None and (today - last).days > RELIEF_STALE_DAYS:
        status = ReliefStatus.NO_RECENT_DATA
    else:
        status = ReliefStatus.ONGOING
    missing = sum(1 for d in days_between(first, last) if d not in observed)
    return Relief(status, minimum, threshold, last_data_day=last, unobserved_days=missing)
