"""A Flask-Caching cache that the app holds without: while its Redis is unreachable, a read is
a miss and a store is skipped, so the caller computes its figures as usual.

The review cache and the dashboard's figures keep only what can be computed again from the
database, so losing them costs time, never a wrong figure. Each kind of failure (the exception's
class) is logged as a warning once, and again after the cache has answered in between.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask_caching import Cache
from redis.exceptions import RedisError

# The "diary" logger is looked up when a message is logged, as diary/__init__.py does: one made
# at import would be disabled by a logging file configuration loaded later (alembic's env.py).


class SharedCache(Cache):
    """Flask-Caching's Cache; get, get_many, set and set_many survive a Redis error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._failing: set[str] = set()
        self._lock = threading.Lock()

    def _failed(self, operation: str, error: RedisError) -> None:
        kind = type(error).__name__
        with self._lock:
            if kind in self._failing:
                return
            self._failing.add(kind)
        logging.getLogger("diary").warning(
            "Cache unreachable (%s on %s: %s): computed without it until it answers again.",
            kind,
            operation,
            error,
        )

    def _answered(self) -> None:
        if self._failing:  # a set's truth without the lock: the common case costs nothing
            with self._lock:
                self._failing.clear()
            logging.getLogger("diary").info("Cache answers again.")

    def _guarded(self, operation: str, call: Callable[[], Any], instead: Any) -> Any:
        """call(), the backend's answer; `instead` when Redis raised (logged by _failed)."""
        try:
            answer = call()
        except RedisError as error:
            self._failed(operation, error)
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
