"""A patient's diary combined per day (and per week) by the database, not in Python.

`day_aggregates` gives exactly what `analysis.daily_aggregates(series.readings(...))` gives
(tests/services/test_daily_sql.py compares the two on a hand-made diary), from one GROUP BY
over the entries' `day` (the local day the patient filed the entry under, stored with it, so
SQLite and PostgreSQL group every entry under the same day) plus two small queries:

- numbers: the day's mean (CAST(SUM) / COUNT: the float total / n gives in Python, the same as
  statistics.fmean for whole numbers), maximum and minimum of each measure by its rule
  (measures.Daily);
- sets and severities (symptoms, body sites, medications, side effects): the day's stored JSON
  texts joined by the database and parsed only when the review reads that day (most days are
  only read for their pain), each distinct text once per call;
- texts (notes): only the entries that have one, in the order they were recorded;
- lateness (analysis.ON_TIME_DEFINITION: recorded by the end of the next local day in the
  entry's zone): an entry recorded less than 34 hours after the UTC start of its day is on time
  and one 60 hours or more after it is late in every zone (offsets run from -12 to +14 hours);
  only the entries in between are read, and judged in their own zone as the analysis does.

A day's values are read from its row (DayValues: the row and where each measure is in it,
NUMBER_AT and JOINED_AT), not copied into a dictionary per day.

`weekly_means` gives the weekly means of the daily values (Monday weeks) for ranges longer than
a year, grouped by the database too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    Integer,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.sql import ColumnElement

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


def _joined(column) -> ColumnElement:
    """The day's JSON values joined by SEPARATOR (one text, parsed later)."""
    if _dialect() == "postgresql":
        return func.string_agg(cast(column, Text), SEPARATOR)
    return func.group_concat(column, SEPARATOR)


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


# day_aggregates' row: day, count, the numbers, the joined texts, late; where each value is.
NUMBERS = [m.code for m in measures.MEASURES if m.daily in (Daily.MEAN, Daily.MAX, Daily.MIN)]
JOINED_CODES = [m.code for m in measures.MEASURES if m.daily in JOINED]
NUMBER_AT = {code: 2 + i for i, code in enumerate(NUMBERS)}
JOINED_AT = {code: 2 + len(NUMBERS) + i for i, code in enumerate(JOINED_CODES)}


class DayValues(Mapping):
    """One day's values by measure code, read from the day's row as the database gave it (no
    dictionary per day: five years are 1,800 rows): numbers as computed (NUMBER_AT), sets and
    severities parsed from the database's joined JSON when first read (JOINED_AT), texts
    (notes) from `texts`. `decoded` is shared by the days of one day_aggregates call: each
    distinct joined text is parsed once for all of them (a long diary repeats a few; the
    values are only read, never changed)."""

    __slots__ = ("_decoded", "_texts", "row")

    def __init__(
        self,
        row: tuple,
        texts: Mapping[str, tuple[str, ...]],
        decoded: dict[tuple[str, str | None], Any] | None = None,
    ) -> None:
        # The day's row (NUMBER_AT, JOINED_AT: a joined text unparsed), also read directly when
        # grouping many days (services/loaded_days.py).
        self.row = row
        self._texts = texts
        self._decoded = {} if decoded is None else decoded

    def __getitem__(self, code: str) -> Any:
        at = NUMBER_AT.get(code)
        if at is not None:
            return self.row[at]
        at = JOINED_AT.get(code)
        if at is None:
            return self._texts[code]
        key = (code, self.row[at])
        # Two threads reading the same text both parse it; neither fails.
        value = self._decoded.get(key)
        if value is None:
            value = self._decoded[key] = parse_joined(measures.DAILY_RULES[code], key[1])
        return value

    def __contains__(self, code: object) -> bool:
        return code in NUMBER_AT or code in JOINED_AT or code in self._texts

    def __iter__(self) -> Iterator[str]:
        yield from NUMBERS
        yield from JOINED_CODES
        yield from self._texts

    def __len__(self) -> int:
        return len(NUMBERS) + len(JOINED_CODES) + len(self._texts)

    def __getstate__(self):
        return (self.row, self._texts)

    def __setstate__(self, state) -> None:
        self.row, self._texts = state
        self._decoded = {}


def day_aggregates(
    patient_id: int,
    default_zone: str | None,
    start: date | None = None,
    end: date | None = None,
) -> dict[date, DayAggregate]:
    """analysis.daily_aggregates of the patient's live entries for days start..end (open when
    None), computed as the module's docstring says; ordered by day. `default_zone` is the zone
    of entries made before zones were kept (the patient's)."""
    texts = [m for m in measures.MEASURES if m.daily is Daily.TEXTS]
    # Core execution on the session's connection (no ORM result handling): plain rows.
    statement = _prebuilt("days", start, end, _days_statement)
    rows = db.session.connection().execute(statement, _params(patient_id, start, end)).all()

    late, notes = _late_and_texts(patient_id, default_zone, texts, start, end)
    empty_texts = {m.code: () for m in texts}
    decoded: dict[tuple[str, str | None], Any] = {}
    result: dict[date, DayAggregate] = {}
    for row in map(tuple, rows):  # a tuple's items are cheaper to read than a Row's
        day = row[0]
        result[day] = DayAggregate(
            day=day,
            values=DayValues(row, notes.get(day, empty_texts), decoded),
            entries=row[1],
            late_entries=int(row[-1] or 0) + late.get(day, 0),
        )
    return result


def _days_statement(scope: Callable[[Any], Any]):
    """day_aggregates' statement. The columns (NUMBER_AT, JOINED_AT): day, count, one per
    number (a mean as SUM / COUNT: the same float as total / n in Python), the joined texts,
    late."""
    by_code = {m.code: m for m in measures.MEASURES}
    columns: list[ColumnElement] = [Entry.day, func.count()]
    columns += [_day_value(by_code[code]) for code in NUMBERS]
    columns += [_joined(by_code[code].of(Entry)) for code in JOINED_CODES]
    columns.append(
        func.sum(case((Entry.recorded_at >= _day_plus_hours(SURELY_LATE_HOURS), 1), else_=0))
    )
    return scope(select(*columns)).group_by(Entry.day).order_by(Entry.day)


def _day_value(m: measures.Measure) -> ColumnElement:
    """The day's value of a number measure by its rule: the mean as SUM / COUNT (as a float,
    as total / n gives it in Python; None without a value), else the maximum or minimum."""
    column = m.of(Entry)
    if m.daily is Daily.MEAN:
        return cast(func.sum(column), Float) / func.nullif(func.count(column), 0)
    return (func.max if m.daily is Daily.MAX else func.min)(column)


def _late_and_texts(
    patient_id: int,
    default_zone: str | None,
    texts: list[measures.Measure],
    start: date | None,
    end: date | None,
) -> tuple[dict[date, int], dict[date, dict[str, tuple[str, ...]]]]:
    """One query for the few entries read one by one: those recorded 34 to 60 hours after
    their day began (UTC), whose lateness depends on their zone (judged as
    analysis.recorded_on_time does: the late ones are counted per day), and those with a text
    (notes and the "somewhere else" answers: per day, the non-empty ones in the order they
    were recorded)."""

    def make(scope: Callable[[Any], Any]):
        columns = [m.of(Entry) for m in texts]
        in_between = and_(
            Entry.recorded_at >= _day_plus_hours(SURELY_ON_TIME_HOURS),
            Entry.recorded_at < _day_plus_hours(SURELY_LATE_HOURS),
        )
        chosen = select(Entry.day, Entry.recorded_at, Entry.timezone, in_between.label("judge"))
        return (
            scope(chosen.add_columns(*columns))
            .where(or_(in_between, func.coalesce(*columns).is_not(None)))
            .order_by(Entry.day, Entry.recorded_at, Entry.id)
        )

    statement = _prebuilt("texts:" + ",".join(m.code for m in texts), start, end, make)
    late: dict[date, int] = {}
    by_day: dict[date, dict[str, list[str]]] = {}
    for row in db.session.connection().execute(statement, _params(patient_id, start, end)):
        day = row[0]
        if row.judge and not analysis.recorded_on_time(day, row[1], row[2] or default_zone):
            late[day] = late.get(day, 0) + 1
        for m, value in zip(texts, row[4:], strict=True):
            if value is not None and value.strip():
                by_day.setdefault(day, {t.code: [] for t in texts})[m.code].append(value)
    notes = {day: {code: tuple(v) for code, v in found.items()} for day, found in by_day.items()}
    return late, notes


def _week_of_day() -> ColumnElement:
    if _dialect() == "postgresql":
        return cast(func.date_trunc("week", Entry.day), Date)
    return func.date(
        Entry.day,
        "-" + cast((cast(func.strftime("%w", Entry.day), Integer) + 6) % 7, Text) + " days",
    )


def weekly_means(
    patient_id: int, codes: list[str], start: date, end: date
) -> dict[date, dict[str, float | None]]:
    """For each Monday week with entries in start..end: for each measure in `codes` (numbers),
    the mean of its daily values (charts.WEEKLY_NOTE: None unless at least
    analysis.WEEK_MEAN_MIN_DAYS days of the week have one), and "symptoms" the set reported on
    any day of the week when asked for. Days outside start..end do not count."""
    by_code = {m.code: m for m in measures.MEASURES}
    numbers = [by_code[c] for c in codes if by_code[c].daily in (Daily.MEAN, Daily.MAX, Daily.MIN)]
    joined = [by_code[c] for c in codes if by_code[c].daily in JOINED]
    daily_columns: list[ColumnElement] = [_week_of_day().label("week")]
    for m in numbers:
        column = m.of(Entry)
        if m.daily is Daily.MEAN:
            value = cast(func.sum(column), Float) / func.nullif(func.count(column), 0)
        else:
            value = (func.max if m.daily is Daily.MAX else func.min)(column)
        daily_columns.append(cast(value, Float).label(m.code))
    daily_columns += [_joined(m.of(Entry)).label(m.code) for m in joined]
    days = (
        _scope(select(*daily_columns), patient_id, start, end).group_by(Entry.day).subquery("days")
    )
    columns: list[ColumnElement] = [days.c.week]
    for m in numbers:
        value = days.c[m.code]
        columns += [func.sum(value), func.count(value)]
    columns += [_joined_plain(days.c[m.code]) for m in joined]
    rows = db.session.execute(select(*columns).group_by(days.c.week).order_by(days.c.week)).all()
    result: dict[date, dict[str, Any]] = {}
    for row in rows:
        week = row[0] if isinstance(row[0], date) else date.fromisoformat(str(row[0]))
        values: dict[str, Any] = {}
        i = 1
        for m in numbers:
            total, n = row[i], row[i + 1]
            values[m.code] = float(total) / n if n and n >= analysis.WEEK_MEAN_MIN_DAYS else None
            i += 2
        for k, m in enumerate(joined):
            values[m.code] = parse_joined(m.daily, row[i + k])
        result[week] = values
    return result


def _joined_plain(column) -> ColumnElement:
    if _dialect() == "postgresql":
        return func.string_agg(column, SEPARATOR)
    return func.group_concat(column, SEPARATOR)


def days_per_code(patient_id: int, code: str, start: date, end: date) -> dict[str, int]:
    """For a set measure (measures.Daily.UNION, e.g. body sites): each code reported in
    start..end and the number of days it was reported on (once a day however many entries
    had it), counted by the database from the stored JSON lists."""
    measure = next(m for m in measures.MEASURES if m.code == code)
    if measure.daily is not Daily.UNION:
        raise ValueError(f"{code} is not a set measure")
    if _dialect() == "postgresql":
        items = func.json_array_elements_text(measure.of(Entry)).table_valued("value")
    else:
        items = func.json_each(measure.of(Entry)).table_valued("value")
    query = _scope(
        select(items.c.value, func.count(func.distinct(Entry.day)))
        .select_from(Entry)
        .join(items, true()),
        patient_id,
        start,
        end,
    ).group_by(items.c.value)
    return {value: days for value, days in db.session.execute(query)}
