"""Configuration classes. Everything that differs between machines comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


class Config:
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'diary.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL")
    # SQLite only: how long a write waits for another writer before giving up (then 503).
    SQLITE_BUSY_TIMEOUT_MS = 5000
    # SQLite file only: writers take turns through a lock file (diary/sqlite_writers.py).
    SQLITE_WRITERS_TAKE_TURNS = os.environ.get("SQLITE_WRITERS_TAKE_TURNS", "1") != "0"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 30  # patients stay signed in on their phone

    # An entry saved offline may be synced hours later: the token lives as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True

    # Failed sign-ins allowed per client address (any accounts); the next one answers 429.
    # Per account there is a growing delay instead (diary/services/login_throttle.py).
    LOGIN_ADDRESS_LIMIT = "20 per minute"
    # Wrong passwords retyped by a signed-in person (closing the account), per account.
    CLOSE_ACCOUNT_ATTEMPT_LIMIT = "5 per minute"
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: none, the
    # client connects directly). Only then are those headers believed.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_HEADER_RETRY_AFTER_VALUE = "delta-seconds"
    INVITATION_DAYS = 14
    # Join-form submissions per client address (an invitation link must not become a way to
    # try many emails or passwords).
    JOIN_LIMIT = "10 per hour"
    MAX_CONTENT_LENGTH = 1024 * 1024
    # An import (a CSV or FHIR Bundle of an old diary) may be larger than any other request.
    IMPORT_MAX_BYTES = int(os.environ.get("DIARY_IMPORT_MAX_BYTES", 32 * 1024 * 1024))
    # When an account is closed, the infusion sessions the clinic recorded are "keep" (kept,
    # attached to the closed account's opaque id, as the clinic's treatment record) or "erase".
    CLOSED_ACCOUNT_INFUSIONS = os.environ.get("DIARY_CLOSED_ACCOUNT_INFUSIONS", "keep")

    # Web Push reminders (docs/operations.md, "Push reminders"). `flask --app wsgi vapid-keys`
    # prints a new key pair; the public key is derived from the private one.
    VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY")
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT")  # mailto:it@clinic.example or https://...
    # Push services a subscription may point to (host names, or their parent domains): the
    # server POSTs to the endpoint a browser gave, so it must not be any address on the
    # clinic's network. The four browsers' push services by default.
    PUSH_SERVICE_HOSTS = tuple(
        os.environ.get(
            "DIARY_PUSH_SERVICE_HOSTS",
            "fcm.googleapis.com,push.services.mozilla.com,notify.windows.com,push.apple.com",
        ).split(",")
    )
    PUSH_ALLOW_HTTP = False  # endpoints must be https (a test's local fake service is not)
    PUSH_BATCH_SIZE = 500  # patients claimed per transaction by send-reminders
    PUSH_SEND_THREADS = 16  # requests to push services in flight at once
    PUSH_TIMEOUT_SECONDS = 10
    # A reminder still undelivered after this long (phone off) is dropped by the push service.
    PUSH_TTL_SECONDS = 4 * 60 * 60

    # While the limits' Redis is unreachable, Flask-Limiter counts in each worker's memory (the
    # limits still apply, per worker) and looks at Redis again now and then.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Redis clients (limits, caches) give up quickly on a Redis that does not answer, so a hung
    # Redis costs a request half a second, not the request.
    REDIS_SOCKET_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}

    @property
    def RATELIMIT_STORAGE_URI(self) -> str:  # noqa: N802 (Flask reads upper-case keys)
        return self.REDIS_URL or "memory://"

    @property
    def RATELIMIT_STORAGE_OPTIONS(self) -> dict:  # noqa: N802
        return dict(self.REDIS_SOCKET_OPTIONS) if self.REDIS_URL else {}

    @property
    def CACHE_OPTIONS(self) -> dict | None:  # noqa: N802
        # Flask-Caching passes these to the Redis client (and to a memory cache's constructor,
        # which takes none of them: so only with Redis).
        return dict(self.REDIS_SOCKET_OPTIONS) if self.REDIS_URL else None


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-not-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    REDIS_URL = None


class ProductionConfig(Config):
    pass


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> Config:
    """The config named by DIARY_ENV (development, testing, production; default production)."""
    name = os.environ.get("DIARY_ENV", "production")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(f"DIARY_ENV={name!r} is not one of {', '.join(CONFIGS)}") from None
