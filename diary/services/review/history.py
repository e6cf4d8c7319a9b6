"""What the review computed from a patient's older days, kept across data versions.

A new entry, check-in, infusion session or treatment raises the patient's data version, so the
review is computed again (review_cache). Without this module that meant reading and measuring
the whole diary again: five years of days and forty courses for one check-in today. Here the
part of the record that only older days decide is kept in the worker's memory, under the
patient's history version (services/data_version.py), which every change that may reach those
days raises in the same transaction as the data version: a change to an entry, check-in or
treatment of a day before data_version.history_cutoff(), or to a session starting before
data_version.session_cutoff() (the row as it was or as it is now).

The boundary is a Monday on a 28-day grid, before data_version.history_cutoff() by at least a
day (HISTORY_AFTER_DAYS + 1 days before today in UTC; the day is a margin for the database's
clock, `boundary`): it moves forward once every four weeks. The cutoffs only move forward, so
on every later day a row of a day before the boundary, or a session starting before 00:00 UTC of it
(History.sessions_from, at least a day before every later day's session cutoff), is still a
history change: no kept part can miss a change. Kept:

- the days before the boundary: their aggregates and daily pain (load.py then reads only the
  days from the boundary on);
- the check-ins and treatments of days before the boundary, and the sessions that started
  before History.sessions_from (split by the instant, not the local day: an instant orders
  them as the query does). load.py reads the others fresh (a change to one of those need not be
  a history change) and puts the kept ones first: each list is in its query's order (day then
  recorded_at, day then id, start then id) and every kept row comes before every fresh one in
  it, so the joined list is the one a full load reads;
- the rows of the closed courses (`closed`), below;
- made on first use (History.before): what the charts and the body map count from the days
  before the boundary (weekly means, body-site days, region days), joined to the recent
  days' counts.

A closed course's row. compute() takes a kept row only for a course that the grouping of the
current sessions makes with the same number, the same sessions and the same next course's first
day (the key), and whose sessions' rows (record, course number, grouping reason, CSS) equal the
current ones; else it measures the course again. That is everything a row reads of the
sessions: analysis.group_courses goes through them in start order, and a session (kept or
recent) that changes a kept course's grouping - by joining it (a gap of at most 3 days, or the
clinician's "same_course", which joins the previous course whatever the gap), by starting the
next course (a larger gap, or "new_course", even on the same day) or by changing an earlier
course (the numbers) - changes the key or the sessions' rows. A recent session can thus make
compute() measure a kept course again, never use a row that no longer holds. Everything else a
row reads (responses._course_row) lies, for a course whose next course began on day N: in the
week before its first day and the 14 days up to that day (baseline, PEG, rescue medication, the
PROMIS check-in before, which may be of the first day itself), and from its baseline week to
the day before N (response, relief, side effects, rescue, PEG and the check-in after,
treatments: all cut by the next course). A row is kept when N is on or before the boundary and
its first day before it: then all of that is before the boundary, which only history changes
reach. (N on the boundary with the first day on it too: two sessions that day, the second set
to start a new course. A check-in of that day need not be a history change: not kept.) Today
only matters to a row whose follow-up is not cut by a next course (relief "ongoing" or "no
recent data": data_version's margin of HISTORY_AFTER_DAYS days is far beyond
analysis.RELIEF_STALE_DAYS, so such a row read on a later day says the same).

The first review after a history change (or the patient's first) computes everything and
keeps the parts for the next ones.

Kept under the history version alone, not the boundary: a history kept at an earlier boundary
is still right later (every change since to a day before it raised the history version), so
the review after the boundary moved on reads the days from the kept boundary on (its charts
group from that history too, whose groupings of the older days this worker may have made
already), and keeps a history at the current boundary for the next review (pages.build).
One kept at a boundary later than the current one is not used: the clock went back, and a day
between the two may have changed without a history change.

Where the review cache is Redis (review_cache._history_store), each kept history is put there
too (`pack`: about 30 KB for five years; for SHARED_SECONDS), so a worker that has none for
the patient (just started, another machine, or one that reviewed 32 other patients since)
takes it from there instead of computing everything. Its key names the release
(shared_cache.key_prefix), so another release never unpacks one.
"""

from __future__ import annotations

import logging
import pickle
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from diary import measures
from diary.analysis import ONE_DAY, DayAggregate, body_map, days_between
from diary.analysis.body_map import RegionDays
from diary.models import User
from diary.services import daily_sql, data_version, loaded_days
from diary.services.review.load import Checkin, Loaded, SessionRecord, TreatmentRecord
from diary.services.review.responses import CourseKey, CourseRow, Responses, course_key

# A Monday: boundaries fall on Mondays, so the weeks before one are whole weeks.
EPOCH = date(2001, 1, 1)
GRID_DAYS = 28
KEPT = 32  # patients whose history this worker keeps
SHARED_PREFIX = "history:"
# A shared history is dropped 60 days after it was kept (a review after the boundary moved
# keeps a new one: a patient reviewed at least every 60 days keeps theirs).
SHARED_SECONDS = 60 * 24 * 60 * 60


@dataclass(frozen=True)
class History:
    """The kept part of one patient's record (module docstring). Read-only once made."""

    boundary: date
    aggregates: dict[date, DayAggregate]  # the days before `boundary`, oldest first
    daily: dict[date, float]  # their daily pain
    courses: dict[CourseKey, CourseRow]  # the closed courses' rows (`closed`)
    sessions: list[SessionRecord]  # those that started before `sessions_from`
    checkins: list[Checkin]  # those of days before `boundary`
    treatments: list[TreatmentRecord]  # those of days before `boundary`
    # What the charts group from the days before the boundary, made on first use (`before`).
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def sessions_from(self) -> datetime:
        """The sessions that started at this instant or later are read fresh (load.py): 00:00
        UTC of the boundary, before every later day's data_version.session_cutoff()."""
        return _utc_start(self.boundary)

    def before(self, key: Any, make: Callable[[], Any]) -> Any:
        """make(), once per kept history under `key`: it must read nothing but the days before
        the boundary (not the sessions, check-ins and treatments: the recent ones are not
        kept)."""
        try:
            return self.memo[key]
        except KeyError:
            value = self.memo[key] = make()
            return value


_kept: OrderedDict[str, History] = OrderedDict()
_lock = threading.Lock()


def boundary(now: datetime | None = None) -> date:
    """The Monday on the 28-day grid before data_version.history_cutoff(now): on or before the
    day before it. The day of margin is for the database's clock, which the triggers read: a
    transaction that began before midnight (PostgreSQL's now() is its start), or a database
    server whose clock is behind the application's, judges a change by the day before's cutoff,
    and a day before the boundary must be a history change for it too."""
    last = data_version.history_cutoff(now) - timedelta(days=1)
    return last - timedelta(days=(last - EPOCH).days % GRID_DAYS)


def _utc_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _key(patient: User) -> str:
    born = patient.created_at.timestamp() if patient.created_at else 0
    return f"{patient.id}:{born}:h{patient.history_version}"


class Shared(Protocol):
    """Where histories are shared by every worker and machine (the review cache's Redis)."""

    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any, timeout: int | None = None) -> Any: ...


def kept(
    patient: User, now: datetime | None = None, shared: Shared | None = None
) -> History | None:
    """This patient's kept history for their history version: this worker's, else the one
    `shared` holds (made by any worker: then kept in this worker too). None when there is
    none, or when its boundary is later than the current one (the clock went back: a day
    between the two may have changed without a history change)."""
    key = _key(patient)
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
    if found is None and shared is not None:
        packed = shared.get(SHARED_PREFIX + key)
        if packed is not None:
            found = _unpacked_or_none(packed, key)
            if found is not None:
                _keep_here(key, found)
    if found is None or found.boundary > boundary(now):
        return None
    return found


def keep(patient: User, history: History, shared: Shared | None = None) -> None:
    """Keep `history` in this worker (replacing the patient's older one for the same history
    version) and, with `shared`, for every worker and machine for SHARED_SECONDS."""
    key = _key(patient)
    _keep_here(key, history)
    if shared is not None:
        shared.set(SHARED_PREFIX + key, pack(history), timeout=SHARED_SECONDS)


def _keep_here(key: str, history: History) -> None:
    with _lock:
        _kept[key] = history
        _kept.move_to_end(key)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)


def pack(history: History) -> bytes:
    """`history` as bytes for the shared store: its days as plain tuples
    (daily_sql.packed_days; the day objects themselves unpickle ten times slower), pickled and
    compressed (a 5-year diary: about 30 KB). Not its memo: the charts' groupings are made
    again on first use."""
    parts = (
        history.boundary.toordinal(),
        daily_sql.packed_days(history.aggregates),
        history.courses,
        history.sessions,
        history.checkins,
        history.treatments,
    )
    return zlib.compress(pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpack(packed: bytes) -> History:
    """The history `pack` gave, made again. Unpickled from the review cache's Redis, as
    Flask-Caching's RedisCache unpickles every value it holds: the same trust, no more."""
    parts = pickle.loads(zlib.decompress(packed))  # noqa: S301
    bound, days, courses, sessions, checkins, treatments = parts
    aggregates, daily = daily_sql.unpacked_days(days)
    return History(
        boundary=date.fromordinal(bound),
        aggregates=aggregates,
        daily=daily,
        courses=courses,
        sessions=sessions,
        checkins=checkins,
        treatments=treatments,
    )


def _unpacked_or_none(packed: Any, key: str) -> History | None:
    """unpack(packed), or None (computed from nothing, and said in the log) when what the
    shared store holds is not a packed history: a kept history only saves time, and
    Flask-Caching takes a value it cannot unpickle for a miss too."""
    try:
        return unpack(packed)
    except (TypeError, ValueError, EOFError, zlib.error, pickle.UnpicklingError) as error:
        logging.getLogger("diary").warning(
            "The shared history %s could not be read (%s): computed from the diary instead.",
            key,
            type(error).__name__,
        )
        return None


def clear() -> None:
    """Forget every kept history (benches, tests)."""
    with _lock:
        _kept.clear()


def closed(row: CourseRow, bound: date) -> bool:
    """Whether everything the row reads but its sessions lies before `bound` (module
    docstring): its next course began by then, and it began before."""
    return row.next_first_day is not None and row.next_first_day <= bound and row.first_day < bound


def of(loaded: Loaded, responses: Responses, bound: date) -> History:
    """The part of a whole computed record that days before `bound` alone decide."""
    since = _utc_start(bound)  # History.sessions_from
    return History(
        boundary=bound,
        aggregates={d: a for d, a in loaded.aggregates.items() if d < bound},
        daily={d: v for d, v in loaded.daily.items() if d < bound},
        courses={
            course_key(row.number, [s.id for s in row.sessions], row.next_first_day): row
            for row in responses.courses
            if closed(row, bound)
        },
        sessions=[s for s in loaded.sessions if s.started_at < since],
        checkins=[c for c in loaded.checkins if c.day < bound],
        treatments=[t for t in loaded.treatments if t.day < bound],
    )


def kept_days(kept: History) -> loaded_days.InOrder:
    """The kept days in order with their rows (loaded_days.in_order), once per kept history:
    the weekly means, the late weeks and the body sites group them in turn."""
    return kept.before("in_order", lambda: loaded_days.in_order(kept.aggregates))


def recent_days(
    kept: History, aggregates: Mapping[date, DayAggregate], end: date
) -> dict[date, DayAggregate]:
    """The loaded days from the kept history's boundary to `end`, read by date (a few weeks),
    not found among every day of the record."""
    return {d: aggregates[d] for d in days_between(kept.boundary, end) if d in aggregates}


def weekly_means(
    kept: History | None,
    aggregates: Mapping[date, DayAggregate],
    codes: list[str],
    start: date,
    end: date,
) -> dict[date, dict[str, Any]]:
    """loaded_days.weekly_means_of_days of start..end; with a kept history whose boundary is in
    the period, the weeks before it grouped once per kept history (the boundary is a Monday:
    no week has days on both sides) and the recent days read by date (recent_days)."""
    if kept is None or not start < kept.boundary <= end:
        return loaded_days.weekly_means_of_days(aggregates, codes, start, end)
    last = kept.boundary - ONE_DAY
    before = kept.before(
        ("weekly_means", tuple(codes), start),
        lambda: loaded_days.weekly_means_of_days(kept_days(kept), codes, start, last),
    )
    recent = recent_days(kept, aggregates, end)
    return {**before, **loaded_days.weekly_means_of_days(recent, codes, kept.boundary, end)}


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
            kept_days(kept), code, body_map.quarters(start, last)
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
    in the period, the days before it counted once per kept history and added to the recent
    days' (recent_days)."""
    if kept is None or not start < kept.boundary <= end:
        return loaded_days.days_per_code_of_days(aggregates, code, start, end)
    counts = dict(sets_before(kept, code, start)[0])
    for reported, days in loaded_days.days_per_code_of_days(
        recent_days(kept, aggregates, end), code, kept.boundary, end
    ).items():
        counts[reported] = counts.get(reported, 0) + days
    return counts


def late_weeks(
    kept: History | None, aggregates: Mapping[date, DayAggregate], start: date, end: date
) -> dict[date, int]:
    """charts_svg.late_weeks of start..end (the late days' count per Monday week), counted by
    loaded_days.late_weeks_of_days; with a kept history whose boundary is in the period, the
    weeks before it counted once per kept history (the boundary is a Monday: no week has days
    on both sides) and the recent days read by date (recent_days)."""
    if kept is None or not start < kept.boundary <= end:
        return loaded_days.late_weeks_of_days(aggregates, start, end)
    last = kept.boundary - ONE_DAY
    before = kept.before(
        ("late_weeks", start),
        lambda: loaded_days.late_weeks_of_days(kept_days(kept), start, last),
    )
    recent = recent_days(kept, aggregates, end)
    return {**before, **loaded_days.late_weeks_of_days(recent, kept.boundary, end)}
