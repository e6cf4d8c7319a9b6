"""Failed sign-ins per account: a growing delay, never a lock-out.

After FREE_FAILURES failed sign-ins for one email (within WINDOW_SECONDS), the next attempt for
that email must wait 1 s, then 2, 4, 8 ... up to MAX_DELAY_SECONDS; attempts made while waiting
are answered 429 with Retry-After and are not checked, so a guesser gets at most one try per
delay. A browser that has signed in to the account before (it holds the signed device cookie
for that email) has its own count, so failures from anywhere else never delay the real user on
their own phone; on a new device the real user waits at most MAX_DELAY_SECONDS. A success
clears the count. Counts live in the rate-limit storage (Redis when REDIS_URL is set), so every
worker sees the same ones.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app

from diary.extensions import limiter

FREE_FAILURES = 5
MAX_DELAY_SECONDS = 60
WINDOW_SECONDS = 15 * 60


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
    storage = limiter.storage
    if storage.get(wait) <= 0:
        return 0
    return max(1, math.ceil(storage.get_expiry(wait) - time.time()))


def delay_after(failures: int) -> int:
    """The wait after the n-th failure in a row: none for the first FREE_FAILURES - 1, then
    1, 2, 4, ... seconds, at most MAX_DELAY_SECONDS."""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)


def record_failure(email: str, device: str | None) -> int:
    """Count a failed sign-in; returns the delay (seconds) now imposed."""
    failures_key, wait = _keys(email, device)
    storage = limiter.storage
    failures = storage.incr(failures_key, WINDOW_SECONDS)
    delay = delay_after(failures)
    if delay:
        storage.clear(wait)
        storage.incr(wait, delay)
    return delay


def record_success(email: str, device: str | None) -> None:
    for key in _keys(email, device):
        limiter.storage.clear(key)
