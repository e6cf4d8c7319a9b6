"""What the review computed from a patient's older days, kept across data versions.

A new entry raises the patient's data version, so the review is computed again (review_cache).
Without this module that meant reading and measuring the whole diary again: five years of days
and forty courses for one new entry today. Here the part of the record that only older days
decide is kept in the worker's memory, under the patient's history version
(services/data_version.py), which every change that may reach those days raises in the same
transaction as the data version:

- the days before the boundary: their aggregates and daily pain (load.py then reads only the
  days from the boundary on);
- the courses that ended before it and whose next course began by it: everything such a
  course's row reads (its baseline week, its follow-up cut by the next course, the check-ins,
  treatments and sessions in that window) lies before the boundary, and the sessions and
  check-ins are themselves history changes. Today only matters to a row whose follow-up is
  not cut by a next course (relief "ongoing" or "no recent data": data_version's margin of
  HISTORY_AFTER_DAYS days is far beyond analysis.RELIEF_STALE_DAYS, so such a row read on a
  later day says the same);
- the sessions, check-ins and treatments (all history changes);
- made on first use (History.before): what the charts and the body map count from the days
  before the boundary (weekly means, body-site days, region days), joined to the recent
  days' counts.

The boundary is a Monday on a 28-day grid, at least data_version.HISTORY_AFTER_DAYS days before
today (UTC): it moves forward once every four weeks, and a change to an entry of a day before
data_version.history_cutoff() raises the history version, so no kept part can miss a change.
The first review after a history change (or a worker's first) computes everything and keeps
the parts for the next ones.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from diary import measures
from diary.analysis import ONE_DAY, DayAggregate, body_map, days_between
from diary.analysis.body_map import RegionDays
from diary.charts_svg.pain import late_weeks as late_weeks_of_days
from diary.models import User
from diary.services import data_version, loaded_days
from diary.services.review.load import Checkin, Loaded, SessionRecord, TreatmentRecord
from diary.services.review.responses import CourseKey, CourseRow, Responses, course_key

# A Monday: boundaries fall on Mondays, so the weeks before one are whole weeks.
EPOCH = date(2001, 1, 1)
GRID_DAYS = 28
KEPT = 32  # patients whose history this worker keeps


@dataclass(frozen=True)
class History:
    """The kept part of one patient's record (module docstring). Read-only once made."""

    boundary: date
    aggregates: dict[date, DayAggregate]  # the days before `boundary`, oldest first
    daily: dict[date, float]  # their daily pain
    courses: dict[CourseKey, CourseRow]  # the closed courses' rows
    sessions: list[SessionRecord]
    checkins: list[Checkin]
    treatments: list[TreatmentRecord]
    # What the charts group from the days before the boundary, made on first use (`before`).
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def before(self, key: Any, make: Callable[[], Any]) -> Any:
        """make(), once per kept history under `key`: it must read nothing but the days before
        the boundary (and the sessions, check-ins and treatments)."""
        try:
            return self.memo[key]
        except KeyError:
            value = self.memo[key] = make()
            return value


_kept: OrderedDict[str, History] = OrderedDict()
_lock = threading.Lock()


def boundary(now: datetime | None = None) -> date:
    """The Monday on the 28-day grid on or before data_version.history_cutoff(now)."""
    cutoff = data_version.history_cutoff(now)
    return cutoff - timedelta(days=(cutoff - EPOCH).days % GRID_DAYS)


def _key(patient: User, bound: date) -> str:
    born = patient.created_at.timestamp() if patient.created_at else 0
    return f"{patient.id}:{born}:h{patient.history_version}:{bound.isoformat()}"


def kept(patient: User, now: datetime | None = None) -> History | None:
    """This patient's kept history, if this worker has one for their history version and the
    current boundary."""
    key = _key(patient, boundary(now))
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
        return found


def keep(patient: User, history: History) -> None:
    key = _key(patient, history.boundary)
    with _lock:
        _kept[key] = history
        _kept.move_to_end(key)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)


def clear() -> None:
    """Forget every kept history (benches, tests)."""
    with _lock:
        _kept.clear()


def of(loaded: Loaded, responses: Responses, bound: date) -> History:
    """The part of a whole computed record that days before `bound` alone decide."""
    return History(
        boundary=bound,
        aggregates={d: a for d, a in loaded.aggregates.items() if d < bound},
        daily={d: v for d, v in loaded.daily.items() if d < bound},
        courses={
            course_key(row.number, [s.id for s in row.sessions], row.next_first_day): row
            for row in responses.courses
            if row.next_first_day is not None and row.next_first_day <= bound
        },
        sessions=list(loaded.sessions),
        checkins=list(loaded.checkins),
        treatments=list(loaded.treatments),
    )


def weekly_means(
    kept: History | None,
    aggregates: Mapping[date, DayAggregate],
    codes: list[str],
    start: date,
    end: date,
) -> dict[date, dict[str, Any]]:
    """loaded_days.weekly_means_of_days of start..end; with a kept history whose boundary is in
    the period, the weeks before it grouped once per kept history (the boundary is a Monday:
    no week has days on both sides)."""
    if kept is None or not start < kept.boundary <= end:
        return loaded_days.weekly_means_of_days(aggregates, codes, start, end)
    last = kept.boundary - ONE_DAY
    before = kept.before(
        ("weekly_means", tuple(codes), start),
        lambda: loaded_days.weekly_means_of_days(kept.aggregates, codes, start, last),
    )
    return {**before, **loaded_days.weekly_means_of_days(aggregates, codes, kept.boundary, end)}


def sets_before(
    kept: History, code: str, start: date
) -> tuple[dict[str, int], tuple[RegionDays, list[RegionDays]] | None]:
    """For a set measure (`code`) over the days start..boundary - 1: the days each code was
    reported on (loaded_days.days_per_code_of_days) and, for body sites, the body map's region
    counts, whole and by quarter (analysis.body_map.whole_and_quarters), once per kept
    history: the body-site chart and the body map read the same days. Both from one grouping
    of the days by quarter and set (loaded_days.day_set_counts): the quarters' pairs, one
    after the other, are in the order the sets were first reported. Only the counts are kept."""

    def make() -> tuple[dict[str, int], tuple[RegionDays, list[RegionDays]] | None]:
        last = kept.boundary - ONE_DAY
        by_quarter = loaded_days.day_set_counts(
            kept.aggregates, code, body_map.quarters(start, last)
        )
        regions = (
            body_map.whole_and_quarters_of_sets(by_quarter, start, last)
            if code == measures.BODY_SITES.code
            else None
        )
        return loaded_days.days_per_code_of_counts(
            p for pairs in by_quarter for p in pairs
        ), regions

    return kept.before(("sets", code, start), make)


def days_per_code(
    kept: History | None, aggregates: Mapping[date, DayAggregate], code: str, start: date, end: date
) -> dict[str, int]:
    """loaded_days.days_per_code_of_days of start..end; with a kept history whose boundary is
    in the period, the days before it counted once per kept history and added."""
    if kept is None or not start < kept.boundary <= end:
        return loaded_days.days_per_code_of_days(aggregates, code, start, end)
    counts = dict(sets_before(kept, code, start)[0])
    for reported, days in loaded_days.days_per_code_of_days(
        aggregates, code, kept.boundary, end
    ).items():
        counts[reported] = counts.get(reported, 0) + days
    return counts


def late_weeks(
    kept: History | None, aggregates: Mapping[date, DayAggregate], start: date, end: date
) -> dict[date, int]:
    """charts_svg.late_weeks of start..end (the late days' count per Monday week); with a kept
    history whose boundary is in the period, the weeks before it counted once per kept history
    (the boundary is a Monday: no week has days on both sides) and the recent days read by
    date, not by walking every day of the record."""
    if kept is None or not start < kept.boundary <= end:
        return late_weeks_of_days(aggregates, start, end)
    last = kept.boundary - ONE_DAY
    before = kept.before(
        ("late_weeks", start), lambda: late_weeks_of_days(kept.aggregates, start, last)
    )
    recent = {d: aggregates[d] for d in days_between(kept.boundary, end) if d in aggregates}
    return {**before, **late_weeks_of_days(recent, kept.boundary, end)}
