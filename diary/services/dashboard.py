"""What a clinician sees of their patients: the linked list with a summary each, most in need of
attention first."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Date, Integer, Select, String, bindparam, func, or_, select, type_coerce
from sqlalchemy.types import NullType

from diary import analysis
from diary.extensions import db
from diary.models import Entry, Infusion, User, utcnow
from diary.models.types import UTCDateTime
from diary.services import audit
from diary.services import dashboard_figures as figures_
from diary.services.access import linked_patients_query
from diary.services.dashboard_attention import (
    ATTENTION_DEFINITION,
    ATTENTION_RANK,
    Attention,
    attention,
)
from diary.services.dashboard_courses import last_courses
from diary.services.dashboard_figures import cache, init_app
from diary.services.local_time import zone_named
from diary.services.transactions import commit_keeping_loaded

RELIEF_NOT_ENDED = figures_.NOT_ENDED

__all__ = [
    "ATTENTION_DEFINITION",
    "RELIEF_NOT_ENDED",
    "Attention",
    "attention",
    "cache",
    "dashboard_page",
    "forget_kept",
    "init_app",
    "patient_summaries",
]

# A patient's last course is on the dashboard when its last session began in this many days
# before today, beyond the 12 weeks relief after ketamine can last; their daily pain is read
# from the week before its first session.
WINDOW_DAYS = 120
# How far a patient's calendar can be behind the viewer's (UTC+14 against UTC-12): the days the
# figures read reach back this much further, so every patient's own last 14 days are there.
ZONE_SPREAD_DAYS = 2


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
    # analysis.relief_duration's status after the last course; on the page (which does not
    # show it) possibly RELIEF_NOT_ENDED: known not to have ended, not computed.
    relief_status: str | None
    attention: Attention


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
    # The pages' rows as rendered, shared with the listing they show (held per clinician, day
    # and search, reused only while every patient's row is unchanged): the web layer keeps its
    # HTML here, so a repeat view renders no row (diary/clinic/dashboard_rows.py).
    rendered: dict = field(default_factory=dict, compare=False, repr=False)


def dashboard_page(clinician: User, today: date, *, page: int = 1, query: str = "") -> SummaryPage:
    """PAGE_SIZE patients of the clinician (those whose name or email contains `query`, when
    given), most in need of attention first, and one audit event naming the patients shown."""
    # NUL is no character of a name or email, and PostgreSQL takes none in a text parameter
    # (or the audit event's JSON): dropped, not a 500.
    query = (query or "").replace("\x00", "").strip()[:SEARCH_MAX]
    listing = _summaries(clinician, today, query)
    everyone = listing.summaries
    pages = max(1, -(-len(everyone) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    # The page does not show the relief status: it stays NOT_ENDED where only that is known.
    shown = everyone[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    _audit_list(
        clinician, shown, detail={"page": page, "query": query} if query else {"page": page}
    )
    return SummaryPage(shown, page, pages, len(everyone), query, listing.rendered)


def patient_summaries(clinician: User, today: date) -> list[PatientSummary]:
    """Every linked patient with recent figures, most in need of attention first (the API's
    list), and one audit event naming them all."""
    listing = _summaries(clinician, today, "")
    summaries = _completed(listing, listing.summaries)
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


@dataclass(frozen=True)
class _Listing:
    """The summaries in attention order, with what _completed needs to finish the shown ones."""

    summaries: list[PatientSummary]
    keys: dict[int, str]
    figures: dict[int, figures_.Kept]
    afters: dict[int, dict[date, float]]
    todays: dict[int, date]  # each patient's own today, their figures' day
    rendered: dict = field(default_factory=dict, compare=False, repr=False)


def _summaries(clinician: User, today: date, query: str) -> _Listing:
    """Each linked patient (matching `query`) with recent figures, most in need of attention
    first (level, then the largest worsening, then name). A constant number of statements
    whatever the number of patients or the length of their diaries:

    1. the patients, with their data version, last entry day and last and next infusion times;
    2. only for the patients whose kept figures (dashboard_figures) are not of their data
       version and zone, and whose last session began in the window: each one's last session
       (with the start of the one before), for their last course (dashboard_courses: one or
       two statements more where a course has several sessions);
    3. only for the patients of 2: their daily mean pain over the days the figures need, one
       row per patient.
    The sessions' days are the patient's local days, worked out after statement 1.
    The figures that move with today are worked out from the kept days at each view, on each
    patient's own today (up to two days before or after the viewer's `today`).
    """
    params = {"clinician_id": clinician.id, "now": utcnow()}
    if query:
        params["pattern"] = (
            "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
    raw = list(map(tuple, db.session.connection().execute(_people_statement(bool(query)), params)))
    if not raw:
        return _Listing([], {}, {}, {}, {})
    now = params["now"]
    held = _held().get((clinician.id, today, query))
    if held is not None and held[0] == raw and now < held[2]:
        return held[1]
    rows = _typed(raw)
    window_start = today - timedelta(days=WINDOW_DAYS)
    # Read far enough back for a patient whose today is behind the viewer's (ZONE_SPREAD_DAYS)
    figures_today = today - timedelta(days=ZONE_SPREAD_DAYS)
    recent_start = figures_today - timedelta(days=figures_.RECENT_DAYS - 1)
    local_days, keys, todays, zones = {}, {}, {}, {}
    until = now + timedelta(days=1)  # the listing holds until a patient's day ends
    for pid, _name, _email, tz_name, version, born, _last_entry, last_at, next_at in rows:
        tz = zones[pid] = zone_named(tz_name)
        last_day = last_at.astimezone(tz).date() if last_at else None
        local_days[pid] = (last_day, next_at.astimezone(tz).date() if next_at else None)
        # The patient's own today: their figures are on their calendar, as in the review.
        todays[pid] = now.astimezone(tz).date()
        midnight = datetime.combine(todays[pid] + timedelta(days=1), time(), tz)
        until = min(until, midnight.astimezone(UTC))
        shown_last = last_day if last_day is not None and last_day >= window_start else None
        keys[pid] = figures_.key(pid, born.timestamp() if born else 0, version, tz_name, shown_last)

    def bounds_for(missing: list[int]) -> dict[int, figures_.Bounds]:
        """What the figures of the patients whose kept ones are missing are computed from: the
        last course of those whose last session began in the window (its first session's and
        end's days: the baseline's, the change's and the relief's) and their daily pain from
        that course's baseline week or the recent days, whichever begin first."""
        courses = last_courses(
            {p: zones[p] for p in missing if (local_days[p][0] or date.min) >= window_start},
            now,
            datetime.combine(window_start, time(), UTC),
            clinician.id,
        )
        bounds = {}
        for pid in missing:
            course = courses.get(pid)
            if course is None:
                bounds[pid] = figures_.Bounds(pid, None, recent_start)
                continue
            baseline_week = course.first_day - timedelta(days=analysis.BASELINE_DAYS)
            bounds[pid] = figures_.Bounds(
                pid, course.end_day, min(recent_start, baseline_week), course.first_day
            )
        return bounds

    figures, afters = figures_.kept_figures(keys, figures_today, bounds_for)
    summaries = [
        _summary(
            pid,
            name,
            email,
            todays[pid],
            last_entry,
            local_days[pid],
            next_at,
            figures[pid],
        )
        for pid, name, email, _tz, _v, _born, last_entry, _last_at, next_at in rows
    ]
    summaries.sort(
        key=lambda s: (
            ATTENTION_RANK[s.attention.level],
            -(s.change_pct if s.change_pct is not None else float("-inf")),
            s.display_name.casefold(),
            s.id,
        ),
    )
    listing = _Listing(summaries, keys, figures, afters, todays)
    _hold((clinician.id, today, query), raw, replace(listing, afters={}), until)
    return listing


@functools.cache
def _people_statement(searching: bool) -> Select:
    """Statement 1 of _summaries, built once (its clinician, time and search pattern are bound
    at each execution): each linked patient (whose name or email contains :pattern when
    `searching`) with their data version, last entry day and last and next infusion times."""
    live = Entry.deleted_at.is_(None)
    mine = linked_patients_query(bindparam("clinician_id")).subquery()
    now = bindparam("now", type_=UTCDateTime)
    people = select(
        mine.c.id,
        mine.c.display_name,
        mine.c.email,
        mine.c.timezone,
        mine.c.data_version,
        mine.c.created_at,
    )
    if searching:
        pattern = bindparam("pattern")
        people = people.where(
            or_(
                mine.c.display_name.ilike(pattern, escape="\\"),
                mine.c.email.ilike(pattern, escape="\\"),
            )
        )
    of_patient = Entry.patient_id == mine.c.id
    # Fetched as the driver gives them (no type's processing): a repeat view compares these
    # raw rows with the held ones, and only a changed listing makes them typed (_typed).
    typed = people.add_columns(
        select(func.max(Entry.day)).where(of_patient, live).scalar_subquery(),
        select(func.max(Infusion.started_at))
        .where(Infusion.patient_id == mine.c.id, Infusion.started_at <= now)
        .scalar_subquery(),
        select(func.min(Infusion.started_at))
        .where(Infusion.patient_id == mine.c.id, Infusion.started_at > now)
        .scalar_subquery(),
    )
    return typed.with_only_columns(*(type_coerce(c, NullType()) for c in typed.selected_columns))


# The types of statement 1's columns (id, name, email, time zone, data version, created at, last
# entry day, last and next infusion times), applied by _typed.
_TYPES = (
    Integer(),
    String(),
    String(),
    String(),
    Integer(),
    UTCDateTime(),
    Date(),
    UTCDateTime(),
    UTCDateTime(),
)


def _typed(raw: list) -> list[tuple]:
    """Statement 1's raw rows with each column's type applied (as a typed select would)."""
    dialect = db.engine.dialect
    processors = [t.dialect_impl(dialect).result_processor(dialect, None) for t in _TYPES]
    pairs = [(i, p) for i, p in enumerate(processors) if p is not None]
    rows = []
    for row in raw:
        values = list(row)
        for i, p in pairs:
            values[i] = p(values[i])
        rows.append(tuple(values))
    return rows


# The last listings this worker worked out (per clinician, day and search), with the patients'
# rows they came from and the instant the first of those patients' days ends: a listing is a
# function of those rows (names, data versions, last entry, last and next infusion) and each
# patient's today alone, so a view whose rows are equal before that instant reuses it whole.
HELD_LISTINGS = 16


def _held() -> dict[tuple[int, date, str], tuple[list, _Listing, datetime]]:
    return current_app.extensions.setdefault("dashboard_listings", {})


def _hold(key: tuple[int, date, str], rows: list, listing: _Listing, until: datetime) -> None:
    held = _held()
    with _holding:  # threaded workers: one writer at a time
        held.pop(key, None)
        while len(held) >= HELD_LISTINGS:
            held.pop(next(iter(held)), None)
        held[key] = (rows, listing, until)


_holding = threading.Lock()


def forget_kept() -> None:
    """Empty the kept figures and listings (benches and tests: every figure computed again)."""
    cache.clear()
    _held().clear()


def _completed(listing: _Listing, shown: list[PatientSummary]) -> list[PatientSummary]:
    """The shown patients with their relief status where it was only known not to have ended
    (figures_.NOT_ENDED): computed now, by the same relief_duration. Their attention stays as
    it is: it reads only "ended" and "ended_in_gap"."""
    figures_.reliefs_for([s.id for s in shown], listing.keys, listing.figures, listing.afters)
    return [
        replace(s, relief_status=listing.figures[s.id].relief_on(listing.todays[s.id]))
        if s.relief_status == RELIEF_NOT_ENDED
        else s
        for s in shown
    ]


def _summary(
    pid: int,
    name: str,
    email: str,
    today: date,
    last_entry_day: date | None,
    local_days: tuple[date | None, date | None],
    next_at: datetime | None,
    kept: figures_.Kept,
) -> PatientSummary:
    """The patient's line: the figures that move with today from the kept days, by the
    review's functions (window_mean for the 7-day mean; change_since for the mean since the
    last course ended), on `today`, the patient's own (as the review's); the others as kept."""
    last_day, next_day = local_days
    mean7 = analysis.window_mean(kept.recent, today - timedelta(days=6), today)
    fortnight = today - timedelta(days=13)
    days_14 = sum(1 for d in kept.recent if fortnight <= d <= today)
    base = since = None
    if kept.course_end is not None:
        base = kept.baseline
        since = analysis.change_since(kept.recent, kept.course_end, today)[0]
    change = analysis.percent_change(base, since)
    relief = None
    if last_day:
        # No course in the window: as relief_duration says without a baseline.
        relief = kept.relief_on(today) or str(analysis.RELIEF_NOT_ENOUGH_DATA)
    return PatientSummary(
        id=pid,
        display_name=name,
        email=email,
        last_entry_day=last_entry_day,
        entries_last_14_days=days_14,
        mean_pain_7_days=round(mean7, 1) if mean7 is not None else None,
        baseline=round(base, 1) if base is not None else None,
        change_pct=round(change, 1) if change is not None else None,
        band=analysis.response_band(base, since),
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
