"""A patient's diary combined per day (and per week) by the rules of measures.Daily.

`day_aggregates` gives exactly what `analysis.daily_aggregates(series.readings(...))` gives
(tests/services/test_daily_sql.py compares the two on a hand-made diary), from one query: the
patient's live entries in day order (`day`: the local day the patient filed the entry under,
stored with it, so SQLite and PostgreSQL put every entry under the same day), one row each with
what the day needs, so that a day with one entry, nearly every day of a diary, is its row as it
comes (no grouping: the database's GROUP BY cost more than all the rest):

- numbers: a mean measure's value as a float (the mean of one), the others as they are; a day
  with several entries is combined in Python by the rules (statistics.fmean of the values given,
  the maximum, the minimum);
- sets and severities (symptoms, body sites, medications, side effects): the stored JSON texts
  (a day with several entries: joined by SEPARATOR), parsed only when the review reads that day,
  each distinct text once per call;
- texts (notes): the entry's texts in one column, NULL when it has none (nearly every entry:
  three columns, mostly NULL, cost more to fetch than one), else a JSON array of them (SQLite's
  json_array, PostgreSQL's json_build_array: each text exactly as stored), parsed only when a
  day's texts are read; a day's texts are the non-empty ones, in the order they were recorded;
- lateness (analysis.ON_TIME_DEFINITION: recorded by the end of the next local day in the
  entry's zone): an entry recorded less than 34 hours after the UTC start of its day is on time
  and one 60 hours or more after it is late in every zone (offsets run from -12 to +14 hours):
  the database tells which; the entries in between are judged in their own zone as the analysis
  does, from the entry's recorded_at and zone: on SQLite the lateness column itself holds them
  for those entries ("recorded_at|zone", text where the others have 0 or 1), on PostgreSQL two
  more columns (its CASE has one type). SQLite's driver costs about 1,200 instructions per value
  fetched (it lets go of the interpreter's lock around each column's type), so two columns
  read for every entry, and used for a few, cost more than the rest of the day's Python work.

A day's values are read from its row (DayValues: the row and where each measure is in it,
NUMBER_AT, JOINED_AT and TEXTS_AT), not copied into a dictionary per day.

The database's own grouping of the days (weekly means, days per body site) is in
daily_sql_grouped.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from functools import lru_cache
from statistics import fmean
from typing import Any

from sqlalchemy import (
    Float,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ColumnElement
from sqlalchemy.types import NullType

from diary import analysis, measures
from diary.analysis import DayAggregate
from diary.extensions import db
from diary.measures import Daily
from diary.models import Entry

SURELY_ON_TIME_HOURS = 34  # 48 hours to the end of the next day, less the largest offset (+14)
SURELY_LATE_HOURS = 60  # 48 hours plus the smallest offset (-12)
JOINED = (Daily.UNION, Daily.MAX_PER_CODE)
SEPARATOR = ","


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _day_plus_hours(hours: int) -> ColumnElement:
    """The instant `hours` after the UTC start of the entry's day, comparable with recorded_at."""
    if _dialect() == "postgresql":
        return literal_column(
            f"((CAST(entries.day AS timestamp) + interval '{int(hours)} hours') AT TIME ZONE 'UTC')"
        )
    # SQLite stores instants as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): text comparison orders them.
    return func.datetime(Entry.day, f"+{int(hours)} hours")


def _scope(query, patient_id: int, start: date | None, end: date | None):
    query = query.where(Entry.patient_id == patient_id, Entry.deleted_at.is_(None))
    if start is not None:
        query = query.where(Entry.day >= start)
    if end is not None:
        query = query.where(Entry.day <= end)
    return query


# The review's two statements, built once per dialect and kind of period (start, end given or
# not) with bound parameters: SQLAlchemy then reuses their compiled form and cache key, which
# cost about as much as running them on a short diary (docs/architecture.md, Speed).
_PATIENT, _START, _END = bindparam("patient_id"), bindparam("start"), bindparam("end")
_BUILT: dict[tuple[str, str, bool, bool], Any] = {}


def _prebuilt(kind: str, start: date | None, end: date | None, make: Callable[[Any], Any]):
    """make(scope), once per dialect and period kind; scope(query) adds the patient's live
    entries of the period (_scope) with bound parameters (_params)."""
    key = (kind, _dialect(), start is not None, end is not None)
    found = _BUILT.get(key)
    if found is None:
        bounds = (_START if start is not None else None, _END if end is not None else None)
        found = _BUILT[key] = make(lambda query: _scope(query, _PATIENT, *bounds))
    return found


def _params(patient_id: int, start: date | None, end: date | None) -> dict[str, Any]:
    return {"patient_id": patient_id, "start": start, "end": end}


def parse_joined(rule: Daily, raw: str | None) -> Any:
    """A set or severities measure's value from the JSON texts the database joined."""
    values = json.loads(f"[{raw}]") if raw else []
    if rule is Daily.UNION:
        return frozenset().union(*(v for v in values if v))
    worst: dict[str, int] = {}
    for effects in values:
        for code, severity in (effects or {}).items():
            worst[code] = max(severity, worst.get(code, severity))
    return worst


# day_aggregates' row, one per entry: day, lateness (LATE, ON_TIME, or to be judged: JUDGE on
# PostgreSQL, "recorded_at|zone" on SQLite), the numbers, the JSON texts, the texts together
# (_texts), and on PostgreSQL when recorded and in which zone; where each value is.
NUMBERS = [m.code for m in measures.MEASURES if m.daily in (Daily.MEAN, Daily.MAX, Daily.MIN)]
JOINED_CODES = [m.code for m in measures.MEASURES if m.daily in JOINED]
TEXT_CODES = [m.code for m in measures.MEASURES if m.daily is Daily.TEXTS]
NUMBER_AT = {code: 2 + i for i, code in enumerate(NUMBERS)}
JOINED_AT = {code: 2 + len(NUMBERS) + i for i, code in enumerate(JOINED_CODES)}
TEXTS_AT = 2 + len(NUMBERS) + len(JOINED_CODES)
TEXT_INDEX = {code: i for i, code in enumerate(TEXT_CODES)}  # in the texts column's array
PAIN_AT = NUMBER_AT[measures.PAIN.code]
RECORDED_AT = TEXTS_AT + 1
_NO_TEXTS = ((),) * len(TEXT_CODES)


def _texts(column: str | tuple | None) -> tuple[tuple[str, ...], ...]:
    """Each text measure's non-empty texts (in TEXT_CODES' order) from a row's texts column:
    None when the entry has none, the JSON array of its texts (null for one not given), or in
    a row combined from several entries the texts themselves (_combined)."""
    if column is None:
        return _NO_TEXTS
    if type(column) is tuple:
        return column
    return tuple((text,) if text and text.strip() else () for text in json.loads(column))


ON_TIME, LATE, JUDGE = 0, 1, 2  # the lateness column: JUDGE when the entry's zone decides (PG)


class DayValues(Mapping):
    """One day's values by measure code, read from the day's row (no dictionary per day: five
    years are 1,800 rows): numbers as they are (NUMBER_AT), sets and severities parsed from
    their JSON text when first read (JOINED_AT), texts (notes) as a tuple of the non-empty ones
    (TEXTS_AT: all of the entry's texts together, parsed when read: _texts).
    `decoded` is shared by the days of one day_aggregates call: each distinct JSON text is
    parsed once for all of them (a long diary repeats a few; the values are only read, never
    changed)."""

    __slots__ = ("_decoded", "row")

    def __init__(self, row: tuple, decoded: dict[tuple[str, str | None], Any]) -> None:
        # The day's row (NUMBER_AT, JOINED_AT: a JSON text unparsed), also read directly when
        # grouping many days (services/loaded_days.py).
        self.row = row
        self._decoded = decoded

    def __getitem__(self, code: str) -> Any:
        at = NUMBER_AT.get(code)
        if at is not None:
            return self.row[at]
        at = JOINED_AT.get(code)
        if at is None:
            return _texts(self.row[TEXTS_AT])[TEXT_INDEX[code]]
        key = (code, self.row[at])
        # Two threads reading the same text both parse it; neither fails.
        value = self._decoded.get(key)
        if value is None:
            value = self._decoded[key] = parse_joined(measures.DAILY_RULES[code], key[1])
        return value

    def __contains__(self, code: object) -> bool:
        return code in NUMBER_AT or code in JOINED_AT or code in TEXT_INDEX

    def __iter__(self) -> Iterator[str]:
        yield from NUMBERS
        yield from JOINED_CODES
        yield from TEXT_CODES

    def __len__(self) -> int:
        return len(NUMBERS) + len(JOINED_CODES) + len(TEXT_CODES)


def day_aggregates(
    patient_id: int,
    default_zone: str | None,
    start: date | None = None,
    end: date | None = None,
) -> dict[date, DayAggregate]:
    """analysis.daily_aggregates of the patient's live entries for days start..end (open when
    None), computed as the module's docstring says; ordered by day. `default_zone` is the zone
    of entries made before zones were kept (the patient's)."""
    return days_and_pain(patient_id, default_zone, start, end)[0]


def days_and_pain(
    patient_id: int,
    default_zone: str | None,
    start: date | None = None,
    end: date | None = None,
) -> tuple[dict[date, DayAggregate], dict[date, float]]:
    """day_aggregates, and their analysis.daily_pain taken in the same pass over the rows (the
    review reads both: a second pass through each day's Mapping cost a fifth as much again)."""
    statement = _prebuilt("entries", start, end, _entries_statement)
    rows = driver_rows(statement, _params(patient_id, start, end))
    day_of = day_reader()
    decoded: dict[tuple[str, str | None], Any] = {}
    result: dict[date, DayAggregate] = {}
    daily: dict[date, float] = {}  # in the same order
    several: dict[date, list] = {}  # the days with more than one entry: their rows
    for row in rows:
        day = day_of(row[0])
        if day in result:
            several.setdefault(day, [result[day].values.row]).append(row)  # type: ignore[attr-defined]
            continue
        late = row[1]
        if late != ON_TIME and late != LATE:
            late = _late(day, row, default_zone)
        # positional: a dataclass's keyword call costs twice as much, 1,800 times
        result[day] = DayAggregate(day, DayValues(row, decoded), 1, late)
        daily[day] = row[PAIN_AT]
    for day, day_rows in several.items():
        late = sum(
            r[1] if r[1] == ON_TIME or r[1] == LATE else _late(day, r, default_zone)
            for r in day_rows
        )
        combined = _combined(day_rows)
        result[day] = DayAggregate(day, DayValues(combined, decoded), len(day_rows), late)
        daily[day] = combined[PAIN_AT]
    return result, daily


# What a day's row holds once loaded: the measures (NUMBER_AT, JOINED_AT, TEXTS_AT). Its day,
# lateness and, on PostgreSQL, recorded_at and zone are read only while days_and_pain makes
# the day (the day is the aggregate's key, its lateness the aggregate's late_entries).
_MEASURES = slice(2, TEXTS_AT + 1)
_UNREAD = (None, None)  # a packed row's day and lateness


def packed_days(aggregates: Mapping[date, DayAggregate]) -> list[tuple]:
    """Days made by days_and_pain as plain tuples (the day's ordinal, its row, its entries and
    late entries), for a store outside the worker (services/review/history.py): pickled in a
    fraction of the time the day objects take. Each row keeps its measures where they are
    (_MEASURES), after None for the day and lateness, and without PostgreSQL's recorded_at
    and zone: on PostgreSQL the day and recorded_at are a date and a datetime, which pickle
    through their reduce methods, more than all the rest of the days together. unpacked_days
    makes the days again."""
    return [
        (
            day.toordinal(),
            _UNREAD + aggregate.values.row[_MEASURES],  # type: ignore[attr-defined]
            aggregate.entries,
            aggregate.late_entries,
        )
        for day, aggregate in aggregates.items()
    ]


def unpacked_days(packed: list[tuple]) -> tuple[dict[date, DayAggregate], dict[date, float]]:
    """The days and daily pain days_and_pain made, from packed_days' tuples, in their order."""
    decoded: dict[tuple[str, str | None], Any] = {}
    result: dict[date, DayAggregate] = {}
    daily: dict[date, float] = {}
    for ordinal, row, entries, late in packed:
        day = date.fromordinal(ordinal)
        result[day] = DayAggregate(day, DayValues(row, decoded), entries, late)
        daily[day] = row[PAIN_AT]
    return result, daily


def driver_rows(statement, params: dict[str, Any]) -> list[tuple]:
    """The rows of `statement` as the database driver gives them: tuples, in the order of the
    statement's columns, with the driver's values (no SQLAlchemy Row and no conversion per
    row: for the 1,800 entries of five years those cost an eighth of the whole review's load).
    SQLAlchemy still runs the statement (its compiled form cached, the parameters bound by
    their types); only the fetching is the driver's own (CursorResult.cursor)."""
    result = db.session.connection().execute(statement, params)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _same(value: Any) -> Any:
    return value


# The day column as the driver gives it, to a date: SQLite keeps SQLAlchemy's ISO text
# ("2026-03-07"); PostgreSQL's driver gives a date.
_DAY_OF: dict[str, Callable[[Any], date]] = {"sqlite": date.fromisoformat}


def day_reader() -> Callable[[Any], date]:
    """What makes a date of a Date column as driver_rows gives it, on this database."""
    return _DAY_OF.get(_dialect(), _same)


def _late(day: date, row: tuple, default_zone: str | None) -> int:
    """1 when the entry of `row` was recorded late, judged in its zone as the analysis does
    (analysis.recorded_on_time), else 0. Its recorded_at and zone: SQLite's lateness column
    ("recorded_at|zone", the zone empty when not kept), PostgreSQL's last two columns."""
    judged = row[1]
    if type(judged) is str:
        recorded, _, zone_name = judged.partition("|")
    else:
        recorded, zone_name = row[RECORDED_AT], row[RECORDED_AT + 1]
    recorded_at = _instant_of(db.session.get_bind().dialect)(recorded)
    return 0 if analysis.recorded_on_time(day, recorded_at, zone_name or default_zone) else 1


@lru_cache(maxsize=4)
def _instant_of(dialect: Dialect) -> Callable[[Any], datetime]:
    """How the entry's recorded_at, read unconverted (most rows never need it), becomes the
    instant the column's type gives (UTCDateTime: aware, UTC): its result processor, made once
    per dialect, not once per entry judged (a diary of entries logged the next day has one for
    nearly every day)."""
    return Entry.recorded_at.type.dialect_impl(dialect).result_processor(dialect, None)


def _combined(rows: list) -> tuple:
    """One row of a day from its entries' rows (in the order recorded), combined by the rules
    of measures.Daily as analysis.daily_aggregates does: the mean of the numbers given (None
    without one), the maximum, the minimum; the JSON texts joined by SEPARATOR (parsed when
    read); each text measure's non-empty texts in order (the texts column: _texts)."""
    combined: list[Any] = [rows[0][0], None]
    for code in NUMBERS:
        at = NUMBER_AT[code]
        present = [r[at] for r in rows if r[at] is not None]
        rule = measures.DAILY_RULES[code]
        if not present:
            combined.append(None)
        elif rule is Daily.MEAN:
            combined.append(fmean(present))
        else:
            combined.append(max(present) if rule is Daily.MAX else min(present))
    for code in JOINED_CODES:
        texts = [r[JOINED_AT[code]] for r in rows if r[JOINED_AT[code]] is not None]
        combined.append(SEPARATOR.join(texts) if texts else None)
    entries_texts = [_texts(r[TEXTS_AT]) for r in rows]
    combined.append(
        tuple(
            tuple(text for texts in entries_texts for text in texts[i])
            for i in range(len(TEXT_CODES))
        )
    )
    return tuple(combined)


def _entries_statement(scope: Callable[[Any], Any]):
    """day_aggregates' statement: one row per entry (NUMBER_AT, JOINED_AT, TEXTS_AT): day (as
    the driver gives it: _DAY_OF), lateness, the numbers (a mean's as a float, as a mean of
    one is), the JSON texts as stored, the texts in one JSON array (NULL without any: _texts),
    and on PostgreSQL recorded_at and the zone.
    Lateness is told by the database for the entries recorded less than 34 hours or 60 hours
    or more after the UTC start of their day (see the module's docstring); the others are
    judged in their zone (_late): on SQLite the column then holds their recorded_at and zone."""
    postgresql = _dialect() == "postgresql"
    judge: Any = JUDGE
    if not postgresql:
        # As stored (text), read unconverted: _late converts the few it judges.
        recorded = type_coerce(Entry.recorded_at, Text)
        judge = type_coerce(recorded + "|" + func.coalesce(Entry.timezone, ""), NullType)
    columns: list[ColumnElement] = [
        Entry.day,
        case(
            (Entry.recorded_at >= _day_plus_hours(SURELY_LATE_HOURS), LATE),
            (Entry.recorded_at >= _day_plus_hours(SURELY_ON_TIME_HOURS), judge),
            else_=ON_TIME,
        ),
    ]
    for code in NUMBERS:
        column = measures.BY_CODE[code].of(Entry)
        is_mean = measures.BY_CODE[code].daily is Daily.MEAN
        columns.append(cast(column, Float) if is_mean else column)
    # As text, parsed when read (DayValues), not by the column's type. SQLite stores the JSON
    # as text and its driver gives it so (no CAST to run per value); PostgreSQL's would parse it.
    as_text = cast if postgresql else type_coerce
    columns += [as_text(measures.BY_CODE[code].of(Entry), Text) for code in JOINED_CODES]
    texts = [measures.BY_CODE[code].of(Entry) for code in TEXT_CODES]
    array = cast(func.json_build_array(*texts), Text) if postgresql else func.json_array(*texts)
    columns.append(case((func.coalesce(*texts).is_not(None), array)))
    if postgresql:
        columns += [type_coerce(Entry.recorded_at, NullType), Entry.timezone]
    query = scope(select(*columns))
    return query.order_by(Entry.day, Entry.recorded_at, Entry.id)
