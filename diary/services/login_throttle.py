"""Failed sign-ins per account: a growing delay, never a lock-out.

After FREE_FAILURES failed sign-ins for one email (within WINDOW_SECONDS), the next attempt for
that email must wait 1 s, then 2, 4, 8 ... up to MAX_DELAY_SECONDS; attempts made while waiting
are answered 429 with Retry-After and are not checked, so a guesser gets at most one try per
delay. A browser that has signed in to the account before (it holds the signed device cookie
for that email) has its own count, so failures from anywhere else never delay the real user on
their own phone; on a new device the real user waits at most MAX_DELAY_SECONDS. A success
clears the count. Counts live in the rate-limit storage (Redis when REDIS_URL is set), so every
worker sees the same ones.

While that storage raises (Redis unreachable), the counts live in this worker's memory instead
(a MemoryStorage), so the delays still apply, per worker, never "no limit"; the storage is tried
again after RETRY_SECONDS. A worker's memory counts are not carried to Redis when it is back.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import weakref
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from limits.storage import MemoryStorage, Storage

from diary.extensions import limiter

T = TypeVar("T")

FREE_FAILURES = 5
MAX_DELAY_SECONDS = 60
WINDOW_SECONDS = 15 * 60
RETRY_SECONDS = 30  # while the storage is down, how long before it is tried again


class _Fallback:
    """This worker's memory counts for one storage, and until when that storage is left alone."""

    def __init__(self) -> None:
        self.memory = MemoryStorage()
        self.down_until = 0.0


# Per storage (an app binds the limiter to a new one), so one storage's outage never moves
# another's counts.
_fallbacks: weakref.WeakKeyDictionary[Storage, _Fallback] = weakref.WeakKeyDictionary()
_fallbacks_lock = threading.Lock()


def _counted(action: Callable[[Storage], T]) -> T:
    """`action` on the limiter's storage; on this worker's memory while that one raises.
    (The "diary" logger is looked up when used: see shared_cache.py.)"""
    storage = limiter.storage
    with _fallbacks_lock:
        fallback = _fallbacks.get(storage)
    if fallback is None or fallback.down_until <= time.monotonic():
        try:
            done = action(storage)
        except storage.base_exceptions as error:
            with _fallbacks_lock:
                fallback = _fallbacks.setdefault(storage, _Fallback())
            if not fallback.down_until:
                logging.getLogger("diary").warning(
                    "Sign-in delay storage unreachable (%s: %s): counted in this worker's "
                    "memory until it answers again.",
                    type(error).__name__,
                    error,
                )
            fallback.down_until = time.monotonic() + RETRY_SECONDS
        else:
            if fallback is not None and fallback.down_until:
                fallback.down_until = 0.0  # the next outage is logged again
                logging.getLogger("diary").info("Sign-in delay storage answers again.")
            return done
    return action(fallback.memory)


def account_key(email: str) -> str:
    """The account's name in the storage: a hash, so no email address sits in Redis."""
    return hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _keys(email: str, device: str | None) -> tuple[str, str]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    base = f"{prefix}diary-login/{account_key(email)}/{device or 'any'}"
    return base + "/failures", base + "/wait"


def wait_seconds(email: str, device: str | None) -> int:
    """Seconds until the next attempt for this account (from this device) is taken; 0 = now."""
    _failures, wait = _keys(email, device)

    def left(storage: Storage) -> int:
        if storage.get(wait) <= 0:
            return 0
        return max(1, math.ceil(storage.get_expiry(wait) - time.time()))

    return _counted(left)


def delay_after(failures: int) -> int:
    """The wait after the n-th failure in a row: none for the first FREE_FAILURES - 1, then
    1, 2, 4, ... seconds, at most MAX_DELAY_SECONDS."""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)


def record_failure(email: str, device: str | None) -> int:
    """Count a failed sign-in; returns the delay (seconds) now imposed."""
    failures_key, wait = _keys(email, device)

    def count(storage: Storage) -> int:
        delay = delay_after(storage.incr(failures_key, WINDOW_SECONDS))
        if delay:
            storage.clear(wait)
            storage.incr(wait, delay)
        return delay

    return _counted(count)


def record_success(email: str, device: str | None) -> None:
    def clear(storage: Storage) -> None:
        for key in _keys(email, device):
            storage.clear(key)

    _counted(clear)
