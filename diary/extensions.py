"""Extensions, created unbound here and bound to an app in `create_app`."""

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from diary.csrf import MaskedCSRFProtect

# Stable constraint names, so Alembic migrations match on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DiaryLoginManager(LoginManager):
    """flask-login's, without its session protection's hash when the protection is off.

    On every request flask-login hashes the client's address and User-Agent (sha512) and only
    then looks whether session protection is on; the diary has it off (auth.init_login_manager),
    so the hash was made and thrown away on every request. Here the mode is looked up first, as
    flask-login looks it up; when it is on, flask-login's own check runs. The method is
    flask-login's private one (0.6), called by its `_load_user`: tests/test_request_floor.py
    checks that with the protection on, its check still runs."""

    def _session_protection_failed(self) -> bool:
        mode = current_app.config.get("SESSION_PROTECTION", self.session_protection)
        if not mode or mode not in ("basic", "strong"):
            return False
        return super()._session_protection_failed()


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = DiaryLoginManager()
csrf = MaskedCSRFProtect()  # Flask-WTF's, with tokens masked per response (diary/csrf.py)
limiter = Limiter(key_func=get_remote_address, default_limits=[])
