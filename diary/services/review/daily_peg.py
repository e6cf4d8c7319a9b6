"""Each day's PEG score, worked out only for the days a course's window reads (responses.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from diary import analysis, measures
from diary.analysis import DayAggregate

# A day not scored yet (None is a day scored without a PEG).
_NOT_SCORED = object()


class DailyPeg(Mapping):
    """The PEG score of each day (analysis.peg_score of its average pain and two interference
    items; days without all three have none), worked out for the days a course window reads
    rather than for the whole history."""

    def __init__(self, aggregates: Mapping[date, DayAggregate]) -> None:
        self._aggregates = aggregates
        self._scores: dict[date, float | None] = {}

    def _score(self, day: date) -> float | None:
        score = self._scores.get(day, _NOT_SCORED)
        if score is _NOT_SCORED:
            a = self._aggregates.get(day)
            score = self._scores[day] = (
                None
                if a is None
                else analysis.peg_score(
                    a[measures.PAIN_AVERAGE.code],
                    a[measures.PEG_ENJOYMENT.code],
                    a[measures.PEG_ACTIVITY.code],
                )
            )
        return score

    def __getitem__(self, day: date) -> float:
        score = self._score(day)
        if score is None:
            raise KeyError(day)
        return score

    def get(self, day: date, default: float | None = None) -> float | None:
        """The day's score, else `default`: what Mapping.get gives, without raising and catching
        a KeyError for each day without a score (window_mean reads the windows with get)."""
        score = self._score(day)
        return default if score is None else score

    def __iter__(self):
        return (d for d in self._aggregates if self._score(d) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def daily_peg(aggregates: Mapping[date, DayAggregate]) -> Mapping[date, float]:
    return DailyPeg(aggregates)
