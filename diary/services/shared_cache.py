"""A Flask-Caching cache that the app holds without: while its Redis is unreachable, a read is
a miss and a store is skipped, so the caller computes its figures as usual.

The review cache and the dashboard's figures keep only what can be computed again from the
database, so losing them costs time, never a wrong figure. After a failure the cache is left
alone for RETRY_SECONDS (every read a miss, every store skipped, Redis not asked): a Redis that
accepts connections but never answers would otherwise cost each call its socket timeout (0.5 s,
config.REDIS_SOCKET_OPTIONS), several per page. Each kind of failure (the exception's class) is
logged as a warning once, and again after the cache has answered in between.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import weakref
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask
from flask_caching import Cache
from redis.exceptions import RedisError

ROOT = Path(__file__).resolve().parents[2]
RETRY_SECONDS = 30.0  # after a failure, how long before Redis is asked again (per worker)

# The "diary" logger is looked up when a message is logged, as diary/__init__.py does: one made
# at import would be disabled by a logging file configuration loaded later (alembic's env.py).


class SharedCache(Cache):
    """Flask-Caching's Cache; get, get_many, set and set_many survive a Redis error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._failing: set[str] = set()
        self._lock = threading.Lock()
        # Per backend (each app bound to this cache has its own): the time.monotonic() before
        # which that backend's Redis is not asked, so one app's outage never moves another's.
        self._down_until: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

    def _failed(self, backend: Any, operation: str, error: RedisError) -> None:
        self._down_until[backend] = time.monotonic() + RETRY_SECONDS
        kind = type(error).__name__
        with self._lock:
            if kind in self._failing:
                return
            self._failing.add(kind)
        logging.getLogger("diary").warning(
            "Cache unreachable (%s on %s: %s): computed without it, asked again every %d s "
            "until it answers.",
            kind,
            operation,
            error,
            RETRY_SECONDS,
        )

    def _answered(self) -> None:
        if self._failing:  # a set's truth without the lock: the common case costs nothing
            with self._lock:
                self._failing.clear()
            logging.getLogger("diary").info("Cache answers again.")

    def _guarded(self, operation: str, call: Callable[[], Any], instead: Any) -> Any:
        """call(), the backend's answer; `instead` when Redis raised (logged by _failed) or
        raised less than RETRY_SECONDS ago (not asked)."""
        backend = self.cache
        if self._down_until.get(backend, 0.0) > time.monotonic():
            return instead
        try:
            answer = call()
        except RedisError as error:
            self._failed(backend, operation, error)
            return instead
        self._answered()
        return answer

    def get(self, *args: Any, **kwargs: Any) -> Any:
        one = super().get
        return self._guarded("get", lambda: one(*args, **kwargs), None)

    def get_many(self, *args: Any, **kwargs: Any) -> list[Any]:
        many = super().get_many
        return self._guarded("get_many", lambda: many(*args, **kwargs), [None] * len(args))

    def set(self, *args: Any, **kwargs: Any) -> bool | None:
        one = super().set
        return self._guarded("set", lambda: one(*args, **kwargs), False)

    def set_many(self, *args: Any, **kwargs: Any) -> list[Any]:
        many = super().set_many
        return self._guarded("set_many", lambda: many(*args, **kwargs), [])


@lru_cache(maxsize=1)
def release() -> str:
    """A fingerprint of the code that makes what the caches hold: the package's Python files and
    the templates (the cached review holds pickled objects and rendered HTML). Part of every key
    (key_prefix), so a new release reads nothing an older one stored in Redis, whose shape or
    wording may differ, and two releases running side by side during an upgrade share nothing.
    Read once per worker (some 2 MB, a few milliseconds)."""
    digest = hashlib.sha256()
    files = sorted([*ROOT.joinpath("diary").rglob("*.py"), *ROOT.joinpath("templates").rglob("*")])
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def key_prefix(app: Flask, kind: str = "") -> str:
    """The keys' prefix of one cache: CACHE_KEY_PREFIX (default "diary:"), this release
    (release()) and the cache's kind."""
    return f"{app.config.get('CACHE_KEY_PREFIX', 'diary:')}{release()}:{kind}"
