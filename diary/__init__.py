"""diary: a symptom diary for people with CRPS between ketamine infusions, and its review."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy import event

from config import INSTANCE_DIR, config_from_env
from diary.extensions import csrf, db, limiter, login_manager, migrate

SECRET_OPTIONAL_IN = ("development", "testing")


def create_app(config: object | Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `config` is a config object, or a mapping of overrides on the env's config."""
    app = Flask(
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

    db.init_app(app)
    migrate.init_app(app, db, directory=str(INSTANCE_DIR.parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    _configure_sqlite(app)

    from diary import auth, cli, errors, pages, security

    auth.init_login_manager(login_manager)
    auth.register_remember_cookie(app)
    errors.register_error_handlers(app)
    security.register_security_headers(app)
    cli.register(app)

    from diary.admin.views import bp as admin_bp
    from diary.api import bp as api_bp
    from diary.auth.views import bp as auth_bp
    from diary.clinic.views import bp as clinic_bp
    from diary.patient.views import bp as patient_bp

    for blueprint in (pages.bp, auth_bp, patient_bp, clinic_bp, admin_bp, api_bp):
        app.register_blueprint(blueprint)
    return app


def _check_secret_key(app: Flask) -> None:
    env = app.config.get("ENV_NAME", "production")
    if not app.config.get("SECRET_KEY") and env not in SECRET_OPTIONAL_IN:
        raise RuntimeError(
            f"SECRET_KEY is not set. The {env} configuration needs a long random SECRET_KEY in "
            "the environment, e.g. SECRET_KEY=$(python -c 'import secrets; "
            "print(secrets.token_hex(32))'). Set DIARY_ENV=development for local use."
        )


def _configure_sqlite(app: Flask) -> None:
    """Foreign keys on and WAL journal for SQLite (PostgreSQL needs neither)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    in_memory = engine.url.database in (None, "", ":memory:")
    if not in_memory:
        INSTANCE_DIR.mkdir(exist_ok=True)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
