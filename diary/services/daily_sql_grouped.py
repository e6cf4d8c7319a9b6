"""The database's grouping of a patient's days: the weekly means of the daily values (Monday
weeks) and the days each code of a set measure was reported on, by SQL GROUP BY.

The review groups the days it has loaded in memory instead (services/loaded_days.py: no second
query); these are the definitions it is checked against (tests/services/test_daily_sql.py), on
both databases. A period's live entries are daily_sql's (_scope), as the review reads them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Float, Integer, Text, cast, func, select, true
from sqlalchemy.sql import ColumnElement

from diary import analysis, measures
from diary.extensions import db
from diary.measures import Daily
from diary.models import Entry
from diary.services.daily_sql import JOINED, SEPARATOR, _dialect, _scope, parse_joined


def _joined(column) -> ColumnElement:
    """The day's JSON values joined by SEPARATOR (one text, parsed later)."""
    if _dialect() == "postgresql":
        return func.string_agg(cast(column, Text), SEPARATOR)
    return func.group_concat(column, SEPARATOR)


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
