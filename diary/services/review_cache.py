"""The clinician's review, report and summary, computed once per patient data version.

The key holds the patient's data version (diary.services.data_version: bumped in the same
transaction as any change to their entries, infusions or check-ins), their local day, the range
and the account's creation time, so a change committed through any worker or machine moves every
later request to a new key at once: no review is ever served from before a change. What depends
on the clock alone (an infusion scheduled for later becoming a past one, a new local day) ends
the entry's life: it is kept until the next scheduled infusion starts or the patient's day
ends, whichever is first.

Flask-Caching holds the entries: in Redis when REDIS_URL is set (shared by all workers and
machines; keys under CACHE_KEY_PREFIX and the release, shared_cache.key_prefix), else in each
worker's memory. While Redis is unreachable, every read is a miss and the review is computed as
usual (shared_cache.py).

The page and its charts request (and the report) read the same computed record
(review.build: the loaded diary and every course's response). A worker keeps the last few
records it computed in its own memory (BUILT_KEPT), under the same key parts and for at most
BUILT_SECONDS (never past the entry's own end), so the charts request that follows a page
does not compute the record again; a change to the data gives a new key at once, as above.

Computing a record after a change reads only the recent days when the patient's history is
kept (review/history.py: what the older days decide, kept under the history version, which
every change that may reach those days raises): by this worker, or, with Redis, by any worker
or machine (kept there too, _history_store).

The review page's parts that depend on the computed page alone (key figures, tables, body map)
are rendered once, when the page is computed, and kept as HTML in the cached page under the
same key (review_page's `render`): a repeat view renders none of them again.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy import select

from diary import charts_svg
from diary.extensions import db
from diary.models import Infusion, User, utcnow
from diary.services import review
from diary.services.local_time import local_now
from diary.services.shared_cache import SharedCache, key_prefix

cache = SharedCache()
MAX_SECONDS = 6 * 60 * 60
BUILT_KEPT = 8
BUILT_SECONDS = 120
T = TypeVar("T")
_built: OrderedDict[str, tuple[float, review.Review]] = OrderedDict()
_built_lock = threading.Lock()


def init_app(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", MAX_SECONDS)
    if redis_url:
        app.config.setdefault("CACHE_TYPE", "RedisCache")
        app.config.setdefault("CACHE_REDIS_URL", redis_url)
    else:
        app.config.setdefault("CACHE_TYPE", "SimpleCache")
        app.config.setdefault("CACHE_THRESHOLD", 500)
    cache.init_app(app, config={"CACHE_KEY_PREFIX": key_prefix(app)})


def _seconds_valid(patient: User, now: datetime) -> int:
    """Until the patient's next local midnight or the next scheduled infusion's start."""
    local = local_now(patient, now)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    next_start = db.session.scalar(
        select(Infusion.started_at)
        .where(Infusion.patient_id == patient.id, Infusion.started_at > now)
        .order_by(Infusion.started_at)
        .limit(1)
    )
    ends = [midnight.astimezone(now.tzinfo)]
    if next_start is not None:
        ends.append(next_start)
    seconds = int((min(ends) - now).total_seconds())
    return max(1, min(seconds, MAX_SECONDS))


def _key_parts(patient: User, now: datetime) -> str:
    # The account's creation time too: SQLite may give a closed account's id to a new one.
    born = patient.created_at.timestamp() if patient.created_at else 0
    day = local_now(patient, now).date()
    return f"{patient.id}:{born}:v{patient.data_version}:{day}"


def _history_store() -> review.history.Shared | None:
    """The review cache when it is Redis, where every worker and machine finds the patients'
    kept histories (review/history.py); None when it is this worker's memory, which keeps
    them already."""
    return cache if current_app.config.get("CACHE_TYPE") == "RedisCache" else None


def _build(patient: User, now: datetime) -> tuple[review.Review, int | None]:
    """review.build, kept in this worker's memory for the requests that follow (module doc),
    and, when computed now, how long it is valid (_seconds_valid)."""
    key = _key_parts(patient, now)
    with _built_lock:
        found = _built.get(key)
        if found is not None and found[0] > time.monotonic():
            _built.move_to_end(key)
            return dataclasses.replace(found[1], patient=patient), None
    built = review.build(patient, _history_store())
    seconds = _seconds_valid(patient, now)
    with _built_lock:
        _built[key] = (
            time.monotonic() + min(BUILT_SECONDS, seconds),
            dataclasses.replace(built, patient=None),
        )
        while len(_built) > BUILT_KEPT:
            _built.popitem(last=False)
    return built, seconds


def _cached(kind: str, patient: User, part: str, compute: Callable[[review.Review], T]) -> T:
    now = utcnow()
    key = f"{kind}:{_key_parts(patient, now)}:{part}"
    found = cache.get(key)
    if found is not None:
        found.patient = patient
        return found
    built, seconds = _build(patient, now)
    value = compute(built)
    patient_ref, value.patient = value.patient, None  # the ORM object stays out of the cache
    cache.set(key, value, timeout=seconds or _seconds_valid(patient, now))
    value.patient = patient_ref
    return value


def review_page(
    patient: User,
    range_raw: str | None = None,
    render: Callable[[review.ReviewPage], dict[str, str]] | None = None,
) -> review.ReviewPage:
    """review.review_page, cached (see the module's docstring). `render(page)` gives the
    page's parts that depend on nothing but the page (its tables, its body map) as HTML; they
    are kept in page.html with the page, under the same key, so a repeat view renders neither
    again; such a page's `responses` is None (what the tables showed is in page.html)."""
    range_key, _notice = review.parse_range(range_raw)
    part = range_key if range_raw in (None, "", range_key) else f"{range_key}:{range_raw[:20]}"
    part += ":html" if render is not None else ""

    def compute(built: review.Review) -> review.ReviewPage:
        page = review.review_page(patient, range_raw, built)
        if render is not None:
            page.html = render(page)
            # Rendered: the tables are in page.html; the cached page need not carry every
            # course again (a fifth of its size, most of its unpickling at 40 courses).
            page.responses = None
        return page

    return _cached("review", patient, part, compute)


def review_charts(patient: User, range_key: str) -> review.ReviewCharts:
    """review.review_charts, cached (see the module's docstring): the JSON document itself."""
    return _cached(
        "charts", patient, range_key, lambda built: review.review_charts(patient, range_key, built)
    )


def report(patient: User) -> review.Report:
    """review.report, cached (see the module's docstring)."""
    return _cached("report", patient, "", lambda built: review.report(patient, built))


def clear() -> None:
    """Forget every cached review (Redis's too: the shared histories with them) and every
    record, history and drawn series kept in this worker (benches, tests)."""
    cache.clear()
    clear_worker()


def clear_worker() -> None:
    """Forget what this worker keeps in its own memory (records, histories, drawn series),
    not what Redis holds for every worker: as a worker just started (benches, tests)."""
    with _built_lock:
        _built.clear()
    review.history.clear()
    charts_svg.forget()
