"""What a clinician sees of their patients: the linked list with a summary each, most in need of
attention first."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import Flask
from flask_caching import Cache
from sqlalchemy import (
    Date,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    column,
    func,
    or_,
    select,
    text,
    type_coerce,
)

from diary import analysis, measures
from diary.extensions import db
from diary.models import Entry, Infusion, User, utcnow
from diary.models.types import UTCDateTime
from diary.services import audit
from diary.services.access import linked_patients_query
from diary.services.local_time import zone_named
from diary.services.transactions import commit_keeping_loaded

HIGH, MEDIUM, LOW = "high", "medium", "low"
ATTENTION_RANK = {HIGH: 0, MEDIUM: 1, LOW: 2}
ATTENTION_LABELS = {HIGH: "High", MEDIUM: "Medium", LOW: "Low"}
WORSENED_PCT = 30.0
SILENT_DAYS = 4
DUE_DAYS = 7
# Daily pain is read for this many days back: the baseline week of an infusion up to about
# 16 weeks ago, beyond the 12 weeks relief after ketamine can last.
WINDOW_DAYS = 120

ATTENTION_DEFINITION = (
    "Attention. High: the 7-day mean pain is 30% or more above the baseline of the last "
    "infusion, or the last entry is 4 or more days old (or there is none). Medium: an infusion "
    "is scheduled within 7 days, or relief after the last infusion has ended. Low: otherwise."
)


@dataclass(frozen=True)
class Attention:
    level: str
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return ATTENTION_LABELS[self.level]


@dataclass(frozen=True)
class PatientSummary:
    id: int
    display_name: str
    email: str
    last_entry_day: date | None
    entries_last_14_days: int  # days with at least one entry among the last 14
    mean_pain_7_days: float | None
    baseline: float | None
    change_pct: float | None
    band: str
    last_infusion_day: date | None
    next_infusion_at: datetime | None
    next_infusion_day: date | None  # the patient's local day
    relief_status: str | None
    attention: Attention


def attention(
    *,
    today: date,
    last_entry_day: date | None,
    change_pct: float | None,
    next_infusion_day: date | None,
    relief_status: str | None,
) -> Attention:
    """How much a patient needs the clinician's attention (ATTENTION_DEFINITION).

    high: `change_pct` (7-day mean pain vs the last infusion's baseline) >= +30, or
    `last_entry_day` is None or at least 4 days before `today`;
    medium: `next_infusion_day` is today or within the next 7 days, or `relief_status` is
    "ended" (analysis.RELIEF_ENDED);
    low: otherwise. `reasons` lists every rule that matched, in that order, in words.
    """
    high: list[str] = []
    medium: list[str] = []
    if change_pct is not None and change_pct >= WORSENED_PCT:
        high.append(f"Pain {change_pct:.0f}% above the last infusion's baseline")
    if last_entry_day is None:
        high.append("No diary entries yet")
    elif (today - last_entry_day).days >= SILENT_DAYS:
        high.append(f"No entries for {(today - last_entry_day).days} days")
    if next_infusion_day is not None and 0 <= (next_infusion_day - today).days <= DUE_DAYS:
        days = (next_infusion_day - today).days
        medium.append(
            "Infusion due today" if days == 0 else f"Infusion due in {days} day{'s' * (days > 1)}"
        )
    if relief_status == analysis.RELIEF_ENDED:
        medium.append("Relief after the last infusion has ended")
    if high:
        return Attention(HIGH, tuple(high + medium))
    if medium:
        return Attention(MEDIUM, tuple(medium))
    return Attention(LOW, ())


PAGE_SIZE = 50
SEARCH_MAX = 100


@dataclass(frozen=True)
class SummaryPage:
    """One page of the dashboard: the patients shown, in attention order."""

    patients: list[PatientSummary]
    page: int
    pages: int
    total: int  # patients matching the search (all linked ones without a search)
    query: str


def dashboard_page(clinician: User, today: date, *, page: int = 1, query: str = "") -> SummaryPage:
    """PAGE_SIZE patients of the clinician (those whose name or email contains `query`, when
    given), most in need of attention first, and one audit event naming the patients shown."""
    query = (query or "").strip()[:SEARCH_MAX]
    everyone = _summaries(clinician, today, query)
    pages = max(1, -(-len(everyone) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = everyone[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    _audit_list(
        clinician, shown, detail={"page": page, "query": query} if query else {"page": page}
    )
    return SummaryPage(shown, page, pages, len(everyone), query)


def patient_summaries(clinician: User, today: date) -> list[PatientSummary]:
    """Every linked patient with recent figures, most in need of attention first (the API's
    list), and one audit event naming them all."""
    summaries = _summaries(clinician, today, "")
    _audit_list(clinician, summaries, detail={})
    return summaries


def _audit_list(clinician: User, shown: list[PatientSummary], detail: dict) -> None:
    if shown:
        audit.record(
            "patient.list",
            actor=clinician,
            detail={**detail, "patient_ids": [s.id for s in shown]},
        )
    commit_keeping_loaded()


def _summaries(clinician: User, today: date, query: str) -> list[PatientSummary]:
    """Each linked patient (matching `query`) with recent figures, most in need of attention
    first (level, then the largest worsening, then name). Two queries whatever the number of
    patients or the length of their diaries, each giving one row per patient:

    1. the patients, with their last entry day and their last and next infusion times;
    2. from their daily mean pain (grouped in SQL) over the days each figure needs: the 7-day
       mean, the baseline of the last infusion, the days with entries among the last 14, and
       the daily means after the last infusion (for the relief status), as one text field.
    The last infusion's day is the patient's local day, so it is worked out between the two.
    """
    now = utcnow()
    live = Entry.deleted_at.is_(None)
    mine = linked_patients_query(clinician).subquery()
    people = select(
        mine.c.id,
        mine.c.display_name,
        mine.c.email,
        mine.c.timezone,
        mine.c.data_version,
        mine.c.created_at,
    )
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        people = people.where(
            or_(
                mine.c.display_name.ilike(pattern, escape="\\"),
                mine.c.email.ilike(pattern, escape="\\"),
            )
        )
    of_patient = Entry.patient_id == mine.c.id
    rows = db.session.execute(
        people.add_columns(
            select(func.max(Entry.day)).where(of_patient, live).scalar_subquery(),
            type_coerce(
                select(func.max(Infusion.started_at))
                .where(Infusion.patient_id == mine.c.id, Infusion.started_at <= now)
                .scalar_subquery(),
                UTCDateTime,
            ),
            type_coerce(
                select(func.min(Infusion.started_at))
                .where(Infusion.patient_id == mine.c.id, Infusion.started_at > now)
                .scalar_subquery(),
                UTCDateTime,
            ),
        )
    ).all()
    if not rows:
        return []
    window_start = today - timedelta(days=WINDOW_DAYS)
    local_days, keys, bounds = {}, {}, {}
    for pid, _name, _email, tz_name, version, born, _last_entry, last_at, next_at in rows:
        tz = zone_named(tz_name)
        last_day = last_at.astimezone(tz).date() if last_at else None
        next_day = next_at.astimezone(tz).date() if next_at else None
        local_days[pid] = (last_day, next_day)
        shown_last = last_day if last_day is not None and last_day >= window_start else None
        lower = today - timedelta(days=13)
        if shown_last is not None:
            lower = max(
                min(lower, shown_last - timedelta(days=analysis.BASELINE_DAYS)), window_start
            )
        # The figures depend on the patient's entries (their data version), the last
        # infusion's day and today, nothing else: computed once per patient and key.
        born_at = born.timestamp() if born else 0
        keys[pid] = f"{pid}:{born_at}:v{version}:{today}:{shown_last}"
        bounds[pid] = (pid, shown_last, lower)
    figures = _cached_figures(keys, bounds, today)
    summaries = [
        _summary(pid, name, email, today, last_entry, local_days[pid], next_at, figures.get(pid))
        for pid, name, email, _tz, _v, _born, last_entry, _last_at, next_at in rows
    ]
    return sorted(
        summaries,
        key=lambda s: (
            ATTENTION_RANK[s.attention.level],
            -(s.change_pct if s.change_pct is not None else float("-inf")),
            s.display_name.casefold(),
            s.id,
        ),
    )


@dataclass(frozen=True)
class _Figures:
    mean7: float | None
    baseline: float | None  # of the last infusion in the window (None without one)
    days_14: int
    relief: str | None  # analysis.relief_duration's status after that infusion


# Each patient's figures, under a key holding their data version, the last infusion's day and
# today (see _summaries): a change to the diary moves the key, so no worker serves figures
# from before it. Shared in Redis when REDIS_URL is set, else kept in each worker's memory.
cache = Cache()
CACHE_SECONDS = 26 * 60 * 60  # a key names its day: it is not asked for after that day


def init_app(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    config = {
        "CACHE_KEY_PREFIX": app.config.get("CACHE_KEY_PREFIX", "diary:") + "dashboard:",
        "CACHE_DEFAULT_TIMEOUT": CACHE_SECONDS,
    }
    if redis_url:
        config |= {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url}
    else:  # a few hundred bytes a patient: room for every patient of a large clinic
        config |= {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 100_000}
    cache.init_app(app, config=config)


def _cached_figures(
    keys: dict[int, str], bounds: dict[int, tuple[int, date | None, date]], today: date
) -> dict[int, _Figures]:
    """The figures of every patient in `keys`: from the cache, the others computed in one query
    (and kept)."""
    found = dict(zip(keys, cache.get_many(*keys.values()), strict=True))
    figures = {pid: _Figures(*value) for pid, value in found.items() if value is not None}
    missing = [bounds[pid] for pid in keys if pid not in figures]
    if missing:
        computed = _figures(missing, today)
        cache.set_many({keys[pid]: tuple(vars(f).values()) for pid, f in computed.items()})
        figures |= computed
    return figures


_BOUNDS_SQL = {
    "postgresql": (
        "SELECT (r->>'p')::int AS patient_id, (r->>'l')::date AS last_day, "
        "(r->>'f')::date AS first_day FROM json_array_elements(CAST(:bounds AS json)) AS r"
    ),
    "sqlite": (
        "SELECT json_extract(value, '$.p') AS patient_id, json_extract(value, '$.l') AS "
        "last_day, json_extract(value, '$.f') AS first_day FROM json_each(:bounds)"
    ),
}


def _bounds_json(bounds: list[tuple[int, date | None, date]]) -> str:
    return json.dumps(
        [
            {"p": pid, "l": last.isoformat() if last else None, "f": lower.isoformat()}
            for pid, last, lower in bounds
        ]
    )


def _bounds_table(bounds: list[tuple[int, date | None, date]]):
    """Per patient: the last infusion's local day (None when none in the window) and the first
    day to read; as a table from one JSON parameter (one statement whatever the number)."""
    return (
        text(_BOUNDS_SQL[db.engine.dialect.name])
        .bindparams(bounds=_bounds_json(bounds))
        .columns(column("patient_id", Integer), column("last_day", Date), column("first_day", Date))
        .subquery("bounds")
    )


def _figures(bounds: list[tuple[int, date | None, date]], today: date) -> dict[int, _Figures]:
    """Each patient's figures from their daily mean pain over the days from `first` on: one
    row per patient (a patient without entries there has none), then the relief status after
    the last infusion by analysis.relief_duration, as in the review."""
    if db.engine.dialect.name == "postgresql":
        rows = _figure_rows_postgresql(bounds, today)
    else:
        rows = _figure_rows(bounds, today)
    last_days = {pid: last for pid, last, _first in bounds}
    figures = {}
    for pid, mean7, n7, base, n_base, days_14, after in rows:
        last = last_days[pid]
        baseline = (
            float(base)
            if last is not None and base is not None and n_base >= analysis.BASELINE_MIN_DAYS
            else None
        )
        relief = analysis.relief_duration(after, last, baseline).status if last else None
        figures[pid] = _Figures(
            mean7=float(mean7) if mean7 is not None and n7 >= analysis.WEEK_MEAN_MIN_DAYS else None,
            baseline=baseline,
            days_14=days_14,
            relief=str(relief) if relief is not None else None,
        )
    return figures


def _figure_rows_postgresql(bounds, today: date):
    """PostgreSQL: for each patient (a LATERAL subquery) their daily means from the live
    entries' covering index (ix_entries_live_patient_day_pain: an index-only scan of the few
    days each needs), aggregated into one row; the days after the last infusion come as two
    arrays (day offsets, pain). Each patient's aggregation is small and runs in memory, so
    2,000 patients stay well under a second where one grouping of all their days spilled to
    disk."""
    pain = measures.PAIN.code
    # Only constants are put into the text (the column's name, the bounds' SQL): values are
    # bound parameters.
    sql = f"""
        SELECT b.patient_id, x.mean7, x.n7, x.base, x.n_base, x.days_14, x.after_days, x.after_pain
        FROM ({_BOUNDS_SQL["postgresql"]}) AS b
        CROSS JOIN LATERAL (
          SELECT avg(d.pain) FILTER (WHERE d.day BETWEEN :week_start AND :today) AS mean7,
                 count(*) FILTER (WHERE d.day BETWEEN :week_start AND :today) AS n7,
                 avg(d.pain) FILTER (WHERE d.day >= b.last_day - :baseline_days
                                     AND d.day < b.last_day) AS base,
                 count(*) FILTER (WHERE d.day >= b.last_day - :baseline_days
                                  AND d.day < b.last_day) AS n_base,
                 count(*) FILTER (WHERE d.day BETWEEN :fortnight_start AND :today) AS days_14,
                 array_agg(d.day - b.last_day) FILTER (WHERE d.day > b.last_day) AS after_days,
                 array_agg(d.pain) FILTER (WHERE d.day > b.last_day) AS after_pain
          FROM (SELECT e.day, avg(CAST(e.{pain} AS float8)) AS pain
                FROM entries AS e
                WHERE e.patient_id = b.patient_id AND e.day >= b.first_day
                  AND e.deleted_at IS NULL
                GROUP BY e.day) AS d
        ) AS x
    """  # noqa: S608
    result = db.session.execute(
        text(sql),
        {
            "bounds": _bounds_json(bounds),
            "today": today,
            "week_start": today - timedelta(days=6),
            "fortnight_start": today - timedelta(days=13),
            "baseline_days": analysis.BASELINE_DAYS,
        },
    )
    last_days = {pid: last for pid, last, _first in bounds}
    for pid, mean7, n7, base, n_base, days_14, offsets, pains in result:
        last = last_days[pid]
        after = (
            {last + timedelta(days=o): float(v) for o, v in zip(offsets, pains, strict=True)}
            if offsets
            else {}
        )
        yield pid, mean7, n7, base, n_base, days_14, after


def _figure_rows(bounds, today: date):
    """Other databases (SQLite): the daily means grouped in SQL, then one row per patient;
    the days after the last infusion as one text field."""
    live = Entry.deleted_at.is_(None)
    b = _bounds_table(bounds)
    daily = (
        select(
            Entry.patient_id,
            Entry.day,
            cast(func.avg(measures.PAIN.of(Entry)), Float).label("pain"),
        )
        .join(b, b.c.patient_id == Entry.patient_id)
        .where(live, Entry.day >= b.c.first_day)
        .group_by(Entry.patient_id, Entry.day)
        .subquery("daily")
    )
    b2 = _bounds_table(bounds)
    day, pain = daily.c.day, daily.c.pain
    last = b2.c.last_day

    def between(start, end):
        return and_(day >= start, day <= end)

    in7 = between(today - timedelta(days=6), today)
    item = cast(day, String) + "=" + cast(pain, String)
    after = func.group_concat(case((day > last, item)), ",")
    base_lo = func.date(last, f"-{analysis.BASELINE_DAYS} days")
    in_base = and_(day >= base_lo, day < last)
    for pid, mean7, n7, base, n_base, days_14, after_text in db.session.execute(
        select(
            daily.c.patient_id,
            func.avg(case((in7, pain))),
            func.count(case((in7, 1))),
            func.avg(case((in_base, pain))),
            func.count(case((in_base, 1))),
            func.count(case((between(today - timedelta(days=13), today), 1))),
            after,
        )
        .join(b2, b2.c.patient_id == daily.c.patient_id)
        .group_by(daily.c.patient_id)
    ):
        series = {}
        for pair in (after_text or "").split(","):
            if pair:
                d, v = pair.split("=")
                series[date.fromisoformat(d[:10])] = float(v)
        yield pid, mean7, n7, base, n_base, days_14, series


def _summary(
    pid: int,
    name: str,
    email: str,
    today: date,
    last_entry_day: date | None,
    local_days: tuple[date | None, date | None],
    next_at: datetime | None,
    found: _Figures | None,
) -> PatientSummary:
    last_day, next_day = local_days
    mean7 = found.mean7 if found else None
    base = found.baseline if found and last_day else None
    change = analysis.percent_change(base, mean7)
    relief = (found.relief if found else None) if last_day else None
    if last_day and relief is None:  # no entries in the window: as relief_duration says
        relief = str(analysis.relief_duration({}, last_day, base).status)
    return PatientSummary(
        id=pid,
        display_name=name,
        email=email,
        last_entry_day=last_entry_day,
        entries_last_14_days=found.days_14 if found else 0,
        mean_pain_7_days=round(mean7, 1) if mean7 is not None else None,
        baseline=round(base, 1) if base is not None else None,
        change_pct=round(change) if change is not None else None,
        band=analysis.responder_band(change),
        last_infusion_day=last_day,
        next_infusion_at=next_at,
        next_infusion_day=next_day,
        relief_status=relief,
        attention=attention(
            today=today,
            last_entry_day=last_entry_day,
            change_pct=change,
            next_infusion_day=next_day,
            relief_status=relief,
        ),
    )
