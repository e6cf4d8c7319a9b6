"""diary: a symptom diary for people with CRPS between ketamine infusions, and its review."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from flask import Flask, current_app, request
from flask.globals import request_ctx
from sqlalchemy import event
from sqlalchemy.engine import make_url
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import INSTANCE_DIR, config_from_env
from diary import sqlite_writers
from diary.extensions import csrf, db, limiter, login_manager, migrate

SECRET_OPTIONAL_IN = ("development", "testing")


class IdConverter(IntegerConverter):
    """`<int:...>` in every route. A number past the largest id an Integer column holds (32-bit
    signed on PostgreSQL) becomes NO_SUCH_ID, which no row has: the view answers its usual 404
    instead of the database driver overflowing (a 500). Refusing the match instead would turn
    some of those 404s into 405s (another method's route has the same path)."""

    MAX_ID = 2**31 - 1
    NO_SUCH_ID = -1

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= self.MAX_ID else self.NO_SUCH_ID


class DiaryFlask(Flask):
    """Flask, remembering for each function whether it must be wrapped to run synchronously.

    Flask asks `ensure_sync` about every hook and view on every request (a dozen times), and
    each answer inspects the function's code flags; a function's answer never changes."""

    SYNC_KEPT = 1000  # functions remembered; then forgotten at once (after_this_request closures)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict = {}

    def ensure_sync(self, func: Callable) -> Callable:
        try:
            return self._sync[func]
        except KeyError:
            pass
        except TypeError:  # not hashable
            return super().ensure_sync(func)
        ready = super().ensure_sync(func)
        if len(self._sync) >= self.SYNC_KEPT:
            self._sync.clear()
        self._sync[func] = ready
        return ready


def create_app(config: object | Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `config` is a config object, or a mapping of overrides on the env's config."""
    app = DiaryFlask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        static_folder="../static",
        template_folder="../templates",
    )
    if config is None or isinstance(config, Mapping):
        app.config.from_object(config_from_env())
        app.config.update(config or {})
    else:
        app.config.from_object(config)
    _check_secret_key(app)
    _check_closing_policy(app)
    _trust_proxies(app)
    _warn_without_shared_limits(app)

    app.url_map.converters["int"] = IdConverter
    _engine_options(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(INSTANCE_DIR.parent / "migrations"))
    app.before_request(_import_body_limit)  # before the CSRF check reads the body
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    _configure_sqlite(app)

    from diary import (
        analysis,
        assets,
        auth,
        body_map,
        cli,
        codes,
        errors,
        measures,
        pages,
        security,
        session_cookie,
    )
    from diary.auth import phone_session
    from diary.services import dashboard, push, review_cache

    push.check_vapid_config(app.config)

    # Every template can derive its fields from the measure registry.
    app.jinja_env.globals["measures"] = measures
    app.jinja_env.globals["body_map"] = body_map
    # ...and the codes: imported macros (patient/_fields.html) then need no context, so Jinja
    # keeps the imported module instead of running it again on every page.
    app.jinja_env.globals["codes"] = codes
    # A percent change never shown across its band's edge (the clinic's pct macro).
    app.jinja_env.globals["percent_text"] = analysis.percent_text

    auth.init_login_manager(login_manager)
    auth.register_remember_cookie(app)
    phone_session.register_phone_session(app)
    errors.register_error_handlers(app)
    security.register_security_headers(app)
    session_cookie.init_app(app)
    assets.init_app(app)
    review_cache.init_app(app)
    dashboard.init_app(app)
    cli.register(app)

    from diary.admin.views import bp as admin_bp
    from diary.api import bp as api_bp
    from diary.auth.views import bp as auth_bp
    from diary.carer.views import bp as carer_bp
    from diary.clinic.views import bp as clinic_bp
    from diary.patient import usual_medications as _usual  # noqa: F401 (its routes)
    from diary.patient.views import bp as patient_bp

    for blueprint in (pages.bp, auth_bp, patient_bp, carer_bp, clinic_bp, admin_bp, api_bp):
        app.register_blueprint(blueprint)
    _limits_only_where_declared(app)
    _limiter_hooks_only_after_a_limit(app)
    return app


def _limits_only_where_declared(app: Flask) -> None:
    """Flask-Limiter checks, before every request, the limits that apply to all routes
    (default, application, blueprint and meta limits). The diary has none of those: each limit
    is declared on its route (sign-in, joining, the password check) and checked by that route's
    decorator, with its failed-attempt deduction in the limiter's after-request hook, which stays.
    So the before-request check, which found nothing to count on every other request, is dropped;
    if a limit for all routes is ever configured, it stays."""
    manager = limiter.limit_manager
    app_wide = (
        manager.default_limits
        or manager.application_limits
        or manager._blueprint_limits
        or limiter._meta_limits
    )
    if not app_wide:
        check = type(limiter)._check_request_limit
        hooks = app.before_request_funcs.get(None, [])
        app.before_request_funcs[None] = [
            f for f in hooks if getattr(f, "__func__", None) is not check
        ]


# Where Flask-Limiter keeps its record of the request (its private name, on the request context).
LIMITER_RECORD = "_limiter_request_context"


def _limiter_hooks_only_after_a_limit(app: Flask) -> None:
    """Flask-Limiter's after-request hook (the failed-attempt deductions, the rate-limit
    headers) and its teardown (which empties what the request counted) work on the limiter's
    record of the request, which the limiter makes when it first looks at a limit: a request
    to a route without one (all but sign-in, joining and the password check) has no record,
    so both had nothing to do, on every request. They now run only when the record exists.
    The record's name is Flask-Limiter's private one: tests/security/test_login_limits.py
    (failures counted by the after-request hook) and tests/test_request_floor.py (headers)
    fail if it changes."""

    def only_after_a_limit(hook: Callable) -> Callable:
        def run(arg):
            if hasattr(request_ctx._get_current_object(), LIMITER_RECORD):
                return hook(arg)
            return arg

        return run

    def is_limiters(f: Callable) -> bool:
        bound = f.args[:1] if isinstance(f, partial) else (getattr(f, "__self__", None),)
        return bound == (limiter,)

    for hooks in (app.after_request_funcs[None], app.teardown_request_funcs[None]):
        hooks[:] = [only_after_a_limit(f) if is_limiters(f) else f for f in hooks]


def _check_secret_key(app: Flask) -> None:
    env = app.config.get("ENV_NAME", "production")
    if not app.config.get("SECRET_KEY") and env not in SECRET_OPTIONAL_IN:
        raise RuntimeError(
            f"SECRET_KEY is not set. The {env} configuration needs a long random SECRET_KEY in "
            "the environment, e.g. SECRET_KEY=$(python -c 'import secrets; "
            "print(secrets.token_hex(32))'). Set DIARY_ENV=development for local use."
        )


# The pages and API routes that take an old diary: their body may be up to IMPORT_MAX_BYTES.
IMPORT_ENDPOINTS = frozenset(
    {"api.import_entries", "api.import_infusions", "api.import_fhir", "clinic.import_data"}
)


def _import_body_limit() -> None:
    if request.endpoint in IMPORT_ENDPOINTS:
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


def _check_closing_policy(app: Flask) -> None:
    policy = app.config.get("CLOSED_ACCOUNT_INFUSIONS", "keep")
    if policy not in ("keep", "erase"):
        raise RuntimeError(
            f"DIARY_CLOSED_ACCOUNT_INFUSIONS={policy!r}: use keep (the clinic keeps the infusion "
            "sessions of a closed account) or erase."
        )


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address and scheme from their
    X-Forwarded-For and X-Forwarded-Proto (only the last N hops, the ones the proxies added), so
    rate limits, audit addresses and HTTPS detection see the real client."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _warn_without_shared_limits(app: Flask) -> None:
    if app.config.get("ENV_NAME") == "production" and not app.config.get("REDIS_URL"):
        logging.getLogger("diary").warning(
            "REDIS_URL is not set: sign-in limits are counted in each worker's memory, so with "
            "N workers a guesser gets N times the attempts. Set REDIS_URL in production."
        )


def _engine_options(app: Flask) -> None:
    """A pooled PostgreSQL connection is checked before use (`pool_pre_ping`: a restarted
    server does not fail a request). A SQLite file cannot go away under a connection: no check,
    which would be one more statement on every request."""
    uri = str(app.config.get("SQLALCHEMY_DATABASE_URI", ""))
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["pool_pre_ping"] = False
        database = make_url(uri).database
        if database not in (None, "", ":memory:") and app.config.get("SQLITE_WRITERS_TAKE_TURNS"):
            # Writers take turns through a lock file (sqlite_writers), not the busy handler.
            connect_args = dict(options.get("connect_args") or {})
            connect_args["factory"] = sqlite_writers.TakingTurns
            options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _configure_sqlite(app: Flask) -> None:
    """SQLite: foreign keys on; for a database file the WAL journal with synchronous=NORMAL.

    In WAL mode, NORMAL writes the log without waiting for the disk at each commit (it syncs
    at checkpoints). A commit survives the app or a worker crashing (the log is in the
    operating system's hands); after a power cut or an operating-system crash the last
    transactions before it may be rolled back, never half-applied: the database stays
    consistent (docs/operations.md, "SQLite"). FULL would wait for the disk at every commit,
    which makes each saved entry several times slower."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    in_memory = engine.url.database in (None, "", ":memory:")
    busy_ms = int(app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000))
    if not in_memory:
        INSTANCE_DIR.mkdir(exist_ok=True)

    if not in_memory:
        event.listen(engine, "before_cursor_execute", sqlite_writers.before_cursor_execute)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        # Statement journals (a write that fires a trigger keeps one, to undo that statement
        # alone) and temporary tables in memory, not in temporary files: each saved entry's
        # trigger (migration 0015) would otherwise write a file.
        cursor.execute("PRAGMA temp_store=MEMORY")
        if isinstance(dbapi_connection, sqlite_writers.TakingTurns):
            dbapi_connection.turn_timeout = busy_ms / 1000
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
