"""The dashboard's per-patient figures: what depends only on a patient's data, kept per data
version across days, and the few SQL statements that read their daily pain.

A patient's kept figures (`Kept`) are the baseline of their last course (the week before its
first session: dashboard_courses.py), the relief status after the day it ended
(analysis.relief_duration, as in the review) and their daily mean pain from a day `since` on;
the figures that move with today (the 7-day mean, the change since the course, the days with
entries among the last 14) are worked out from those days at each view, by the review's own
functions (dashboard._summary). The key holds the patient's data version (bumped in the same
transaction as any change to their entries, infusions or check-ins), their zone and the course's
days, never today: a new day reuses them.

The relief status is computed by relief_duration for every patient whose status could be
"ended" or "ended_in_gap" (the only ones the attention order reads): either takes a day in
relief (a rolling mean at or below the threshold) and later days above it, so a patient with no
day's pain at or below the threshold, or none above it, cannot have relief that ended (may_end;
on PostgreSQL worked out in the statement, which then leaves those days unread). For the others
it is known not to have ended and is computed only where the status is shown (reliefs_for: the
API's list).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import Date, Float, Integer, cast, column, func, select, text

from diary import analysis, measures
from diary.analysis.relief import EDGE_DIGITS, RELIEF_STALE_DAYS, ReliefStatus
from diary.extensions import db
from diary.models import Entry
from diary.services.shared_cache import SharedCache, key_prefix

# The relief status of a patient whose relief is known not to have ended ("ended" or
# "ended_in_gap") but was not computed (may_end is false): relief_duration runs when it is
# shown (the API's list; the page does not show it).
NOT_ENDED = "not_ended"
# Days before today read for the figures that move with today: the last 14 and one more, so
# that figures kept on one day serve the next days, and a viewer one day behind.
RECENT_DAYS = 15
# A bound on the float rounding of the threshold comparison (analysis.relief.at_or_below
# compares on EDGE_DIGITS decimals): the pre-check only skips patients whose relief surely
# has not ended.
_MARGIN = 10.0**-EDGE_DIGITS

# Each patient's kept figures; shared in Redis when REDIS_URL is set, else in each worker's
# memory (while Redis is unreachable, computed each time: shared_cache.py). A key names a data
# version: old ones are never asked for again and expire.
cache = SharedCache()
CACHE_SECONDS = 8 * 24 * 60 * 60


def init_app(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    config = {
        "CACHE_KEY_PREFIX": key_prefix(app, "dashboard:"),
        "CACHE_DEFAULT_TIMEOUT": CACHE_SECONDS,
    }
    if redis_url:
        config |= {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url}
    else:  # a few hundred bytes a patient: room for every patient of a large clinic
        config |= {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 100_000}
    cache.init_app(app, config=config)


@dataclass(frozen=True)
class Bounds:
    """What a patient's figures are computed from: when the last session of their last course
    (dashboard_courses) began in the dashboard's window, the day that course ended
    (`last_day`: its change and relief are counted after it) and its first session's day
    (`base_day`: its baseline is the week before; None when it is `last_day`, a course of one
    day), else None for both; and the first day read: the first of the course's baseline week
    or RECENT_DAYS before today, whichever is earlier."""

    patient_id: int
    last_day: date | None
    first_day: date
    base_day: date | None = None

    @property
    def baseline_day(self) -> date | None:
        """The day whose 7 days before are the baseline: the course's first session's."""
        return self.base_day or self.last_day


def key(patient_id: int, born: float, version: int, zone: str, last_session: date | None) -> str:
    """The key of a patient's kept figures: their data version and zone decide their last
    course (its days, and the days read from them); the day of their last session in the
    window says whether there is one. Never today."""
    return f"{patient_id}:{born}:v{version}:{zone}:{last_session}"


@dataclass(frozen=True)
class Kept:
    since: date  # `recent` holds every day with entries from this day on
    recent: dict[date, float]
    course_end: date | None  # the day the last course in the window ended (None without one)
    baseline: float | None  # of that course (None without one)
    relief: str | None  # its relief status; NOT_ENDED; None without a course in the window
    # "ongoing": the last day with an entry relief_duration observed (relief_on turns it into
    # "no_recent_data" on a today more than RELIEF_STALE_DAYS after it)
    relief_last: date | None = None

    def serves(self, today: date) -> bool:
        return self.since <= today - timedelta(days=13)

    def dumps(self) -> tuple:
        return (
            self.since.toordinal(),
            tuple((d.toordinal(), v) for d, v in self.recent.items()),
            self.course_end.toordinal() if self.course_end else None,
            self.baseline,
            self.relief,
            self.relief_last.toordinal() if self.relief_last else None,
        )

    @classmethod
    def loads(cls, value: tuple) -> Kept:
        since, recent, course_end, baseline, relief, relief_last = value
        return cls(
            _day(since),
            {_day(d): v for d, v in recent},
            _day(course_end) if course_end else None,
            baseline,
            relief,
            _day(relief_last) if relief_last else None,
        )

    def relief_on(self, today: date) -> str | None:
        """The relief status on `today`, as relief_duration gives it with today (the review's):
        "ongoing" with its last entry more than RELIEF_STALE_DAYS before today is
        "no_recent_data"."""
        if self.relief_last is not None and (today - self.relief_last).days > RELIEF_STALE_DAYS:
            return str(ReliefStatus.NO_RECENT_DATA)
        return self.relief


def may_end(after: Mapping[date, float], baseline: float) -> bool:
    """Whether relief after the course could have ended ("ended" or "ended_in_gap":
    relief_duration; both need a day in relief and later days above it): a rolling mean is
    a mean of days' pain, so one at or below the threshold needs a day at or below it (within
    the rounding margin) and one above needs a day above it."""
    if not after:
        return False
    threshold = baseline * analysis.RELIEF_THRESHOLD_FACTOR
    return min(after.values()) <= threshold + _MARGIN and max(after.values()) > threshold - _MARGIN


def _relief(
    after: Mapping[date, float], last: date, baseline: float | None
) -> tuple[str, date | None]:
    """relief_duration's status without today (kept across days), and when it is "ongoing" the
    last day with an entry it observed (Kept.relief_last)."""
    relief = analysis.relief_duration(after, last, baseline)
    ongoing = relief.status == analysis.RELIEF_ONGOING
    return str(relief.status), relief.last_data_day if ongoing else None


def _after(daily: Mapping[date, float], last: date) -> dict[date, float]:
    horizon = last + timedelta(days=analysis.RELIEF_HORIZON_DAYS)
    return {d: v for d, v in daily.items() if last < d <= horizon}


def _kept(
    bounds: Bounds, daily: dict[date, float], today: date, after_read: bool
) -> tuple[Kept, dict]:
    """A patient's kept figures from their daily pain; with the days after the course.
    `after_read` false: the days after the course were left unread, the statement having
    found (as may_end would) that relief cannot have ended."""
    last = bounds.last_day
    since = today - timedelta(days=RECENT_DAYS - 1)
    recent = {d: v for d, v in daily.items() if d >= since}
    if last is None:
        return Kept(since, recent, None, None, None), {}
    baseline = analysis.baseline(daily, bounds.baseline_day)
    if not after_read:
        return Kept(since, recent, last, baseline, NOT_ENDED), {}
    after = _after(daily, last)
    # Without a baseline or days enough relief_duration answers at once: no pre-check.
    quick = baseline is None or len(after) < analysis.RELIEF_MIN_DATA_DAYS
    if quick or may_end(after, baseline):
        return Kept(since, recent, last, baseline, *_relief(after, last, baseline)), after
    return Kept(since, recent, last, baseline, NOT_ENDED), after


def kept_figures(
    keys: dict[int, str], today: date, bounds_for: Callable[[list[int]], dict[int, Bounds]]
) -> tuple[dict[int, Kept], dict[int, dict]]:
    """Every patient's figures: kept ones, the others computed (and kept) from what
    bounds_for(their ids) gives (dashboard: their last course, one statement or a few) in one
    statement. Also the days after the course of those computed (for reliefs_for)."""
    found = dict(zip(keys, cache.get_many(*keys.values()), strict=True))
    figures = {}
    for pid, value in found.items():
        if value is not None and (kept := Kept.loads(value)).serves(today):
            figures[pid] = kept
    afters: dict[int, dict] = {}
    missing = [pid for pid in keys if pid not in figures]
    if missing:
        bounds = bounds_for(missing)
        daily = daily_pain(list(bounds.values()), since=today - timedelta(days=RECENT_DAYS - 1))
        computed = {}
        for pid, b in bounds.items():
            days, after_read = daily.get(pid, ({}, True))
            computed[pid], after = _kept(b, days, today, after_read)
            if after_read and b.last_day is not None:
                afters[pid] = after
        cache.set_many({keys[pid]: kept.dumps() for pid, kept in computed.items()})
        figures |= computed
    return figures, afters


def reliefs_for(
    wanted: Iterable[int],
    keys: dict[int, str],
    figures: dict[int, Kept],
    afters: dict[int, dict],
) -> None:
    """Work out the relief status of the patients in `wanted` whose status was NOT_ENDED (in
    `figures`): from the days after the course in hand, or read in one statement; kept."""
    todo = [pid for pid in wanted if figures[pid].relief == NOT_ENDED]
    if not todo:
        return
    end = {pid: figures[pid].course_end for pid in todo}  # set: NOT_ENDED has a course
    unread = [pid for pid in todo if pid not in afters]
    if unread:
        read = daily_pain([Bounds(pid, end[pid], end[pid] + analysis.ONE_DAY) for pid in unread])
        for pid in unread:
            afters[pid] = _after(read.get(pid, ({}, True))[0], end[pid])
    found = {pid: _relief(afters[pid], end[pid], figures[pid].baseline) for pid in todo}
    updated = {
        pid: replace(figures[pid], relief=found[pid][0], relief_last=found[pid][1]) for pid in todo
    }
    cache.set_many({keys[pid]: kept.dumps() for pid, kept in updated.items()})
    figures |= updated


def daily_pain(
    bounds: list[Bounds], *, since: date | None = None
) -> dict[int, tuple[dict[date, float], bool]]:
    """Each patient's daily mean pain (live entries) from their first day on, in one
    statement; and whether the days after the course were read. With `since`, PostgreSQL
    leaves those before `since` unread where relief cannot have ended (may_end, worked out in
    SQL)."""
    if db.engine.dialect.name == "postgresql":
        return _daily_pain_postgresql(bounds, since)
    return {pid: (days, True) for pid, days in _daily_pain(bounds).items()}


def _bounds_json(bounds: list[Bounds]) -> str:
    return json.dumps(
        [
            {
                "p": b.patient_id,
                "l": b.last_day.isoformat() if b.last_day else None,
                "f": b.first_day.isoformat(),
            }
            for b in bounds
        ]
    )


def _daily_pain_postgresql(
    bounds: list[Bounds], since: date | None
) -> dict[int, tuple[dict[date, float], bool]]:
    """PostgreSQL: for each patient (a LATERAL subquery) their daily means from the live
    entries' covering index (ix_entries_live_patient_day_pain: an index-only scan of the days
    each needs), as arrays of day offsets from the first day and pain: the days in the relief
    observation after the course (day +1 .. +84 after the day it ended) before `since` apart
    from the others. Those are sent only when relief could have ended (may_end on the same days
    and the baseline of the 7 days before the course's first session, within the same margin) or
    cannot be judged (no baseline, fewer than 3 days), or without `since`."""
    pain = measures.PAIN.code
    # Only constants are put into the text (the column's name): values are bound parameters.
    sql = f"""
        SELECT b.patient_id, b.first_day, x.days, x.pains,
               CASE WHEN x.read_after THEN x.after_days END,
               CASE WHEN x.read_after THEN x.after_pains END, x.read_after
        FROM unnest(CAST(:patients AS integer[]), CAST(:lasts AS date[]),
                    CAST(:firsts AS date[]), CAST(:bases AS date[]))
             AS b (patient_id, last_day, first_day, base_day)
        CROSS JOIN LATERAL (
          SELECT y.*,
                 NOT :gate OR y.base IS NULL OR y.n_base < :baseline_min
                 OR y.n_after < :relief_min
                 OR (y.min_after <= y.base * :factor + :margin
                     AND y.max_after > y.base * :factor - :margin) AS read_after
          FROM (
            SELECT array_agg(d.day - b.first_day)
                     FILTER (WHERE NOT d.after OR d.day >= :since) AS days,
                   array_agg(d.pain)
                     FILTER (WHERE NOT d.after OR d.day >= :since) AS pains,
                   array_agg(d.day - b.first_day) FILTER (WHERE d.after)
                     AS after_days,
                   array_agg(d.pain) FILTER (WHERE d.after) AS after_pains,
                   avg(d.pain) FILTER (WHERE d.day >= b.base_day - :baseline_days
                                       AND d.day < b.base_day) AS base,
                   count(*) FILTER (WHERE d.day >= b.base_day - :baseline_days
                                    AND d.day < b.base_day) AS n_base,
                   count(*) FILTER (WHERE d.after) AS n_after,
                   min(d.pain) FILTER (WHERE d.after) AS min_after,
                   max(d.pain) FILTER (WHERE d.after) AS max_after
            FROM (SELECT e.day, avg(CAST(e.{pain} AS float8)) AS pain,
                         COALESCE(e.day > b.last_day AND e.day <= b.last_day + :horizon, false)
                           AS after
                  FROM entries AS e
                  WHERE e.patient_id = b.patient_id AND e.day >= b.first_day
                    AND e.deleted_at IS NULL
                  GROUP BY e.day) AS d
          ) AS y
        ) AS x
        WHERE x.days IS NOT NULL OR x.after_days IS NOT NULL
    """  # noqa: S608
    result = {}
    rows = db.session.execute(
        text(sql),
        {
            "patients": [b.patient_id for b in bounds],
            "lasts": [b.last_day for b in bounds],
            "bases": [b.baseline_day for b in bounds],
            "firsts": [b.first_day for b in bounds],
            "gate": since is not None,
            "since": since or date.min,
            "baseline_days": analysis.BASELINE_DAYS,
            "baseline_min": analysis.BASELINE_MIN_DAYS,
            "relief_min": analysis.RELIEF_MIN_DATA_DAYS,
            "horizon": analysis.RELIEF_HORIZON_DAYS,
            "factor": analysis.RELIEF_THRESHOLD_FACTOR,
            "margin": _MARGIN,
        },
    ).all()
    for pid, first, offsets, pains, after_offsets, after_pains, read_after in rows:
        offsets, after_offsets = offsets or [], after_offsets or []
        ordinal = first.toordinal()
        if max(offsets, default=0) < _SPAN > max(after_offsets, default=0):
            day = _days_from(ordinal).__getitem__  # offsets are >= 0: day >= first day
        else:  # a day far past the window (not on the dashboard's bounds)
            day = functools.partial(_after_ordinal, ordinal)
        days = dict(zip(map(day, offsets), map(float, pains or ()), strict=True))
        if after_offsets:
            days.update(zip(map(day, after_offsets), map(float, after_pains), strict=True))
        result[pid] = (days, bool(read_after))
    return result


# Days a patient's figures read from their first day on: the window and the relief observation.
_SPAN = 400


@functools.lru_cache(maxsize=64)
def _days_from(ordinal: int) -> tuple[date, ...]:
    """The _SPAN days from that ordinal on, by offset: the patients' first days are mostly the
    same few days, so one tuple of dates serves them all."""
    return tuple(_day(ordinal + o) for o in range(_SPAN))


def _after_ordinal(ordinal: int, offset: int) -> date:
    return _day(ordinal + offset)


@functools.lru_cache(maxsize=4096)
def _day(ordinal: int) -> date:
    """The day of that ordinal: the patients' days are mostly the same few months, so one date
    object serves them all."""
    return date.fromordinal(ordinal)


def _daily_pain(bounds: list[Bounds]) -> dict[int, dict[date, float]]:
    """Other databases (SQLite): the daily means grouped in SQL, one row per patient and day."""
    b = (
        text(
            "SELECT json_extract(value, '$.p') AS patient_id, "
            "json_extract(value, '$.f') AS first_day FROM json_each(:bounds)"
        )
        .bindparams(bounds=_bounds_json(bounds))
        .columns(column("patient_id", Integer), column("first_day", Date))
        .subquery("bounds")
    )
    result: dict[int, dict[date, float]] = {}
    for pid, day, pain in db.session.execute(
        select(Entry.patient_id, Entry.day, cast(func.avg(measures.PAIN.of(Entry)), Float))
        .join(b, b.c.patient_id == Entry.patient_id)
        .where(Entry.deleted_at.is_(None), Entry.day >= b.c.first_day)
        .group_by(Entry.patient_id, Entry.day)
    ):
        result.setdefault(pid, {})[day] = float(pain)
    return result
