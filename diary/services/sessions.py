"""Sessions that end: the session generation and the "keep me signed in" tokens.

Every session cookie carries the user's session generation (`User.get_id()` is "id:generation")
and the user loader compares it with the stored one, so raising the generation ends every
session of that user at once: on sign-out, a password change, deactivation, or an admin's
"sign out everywhere". The remember-me cookie is a random token; only its SHA-256 is stored,
with an expiry and the generation it was made in, so the same events revoke it too.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import make_transient_to_detached

from diary.extensions import db
from diary.models import RememberToken, User, utcnow
from diary.prepared import Prepared
from diary.services import audit

REMEMBER_DAYS = 30


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_USERS = User.__table__
# Built once: every signed-in request runs it (building a statement costs more than running it).
# A plain Core SELECT of the user's columns: the row names an active user whose session
# generation is still the cookie's, or there is no row.
_SIGNED_IN_USER = select(*_USERS.c).where(
    _USERS.c.id == bindparam("user_id"),
    _USERS.c.session_generation == bindparam("generation"),
    _USERS.c.active.is_(True),
)
_NEW_USER = User.__mapper__.class_manager.new_instance
# The row's keys are put on the instance as its attributes: that holds only while every column's
# attribute has the column's name, so a model that renames one fails here, at import.
if {c.key for c in User.__mapper__.column_attrs} != set(_USERS.c.keys()):
    raise RuntimeError("users: an attribute named unlike its column (user_for_session)")


_USER_ROW = Prepared(_SIGNED_IN_USER)  # run on the connection's cursor (diary/prepared.py)
_USER_KEYS = tuple(_USERS.c.keys())
_USER_IDENTITY = User.__mapper__.identity_key_from_primary_key


def user_for_session(user_id: str) -> User | None:
    """The active user a session cookie names, if the cookie's generation is still current.

    One statement on every signed-in request, so a sign-out or revocation (which raises the
    generation) refuses the very next request. The row is read on the session's connection
    (diary/prepared.py) and made into the session's persistent User as an ORM query would (clean,
    in the identity map, expired on commit like any loaded object), without the ORM query's or
    Core execution's own cost."""
    user_part, _, generation = user_id.partition(":")
    if not (user_part.isdigit() and generation.isdigit()) or len(user_part) > 18:
        return None
    if len(generation) > 18:
        return None
    session = db.session()
    row = _USER_ROW.first(
        session.connection(), {"user_id": int(user_part), "generation": int(generation)}
    )
    if row is None:
        return None
    values = dict(zip(_USER_KEYS, row, strict=True))
    held = session.identity_map.get(_USER_IDENTITY((values["id"],)))
    if held is not None:
        return held
    user = _NEW_USER()
    user.__dict__.update(values)
    make_transient_to_detached(user)
    session.add(user)
    return user


def issue_remember_token(user: User, *, days: int = REMEMBER_DAYS) -> str:
    """A new random remember-me token for `user`; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.execute(
        delete(RememberToken).where(
            RememberToken.user_id == user.id, RememberToken.expires_at <= now
        )
    )
    db.session.add(
        RememberToken(
            token_hash=_hash(token),
            user_id=user.id,
            session_generation=user.session_generation,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    db.session.commit()
    return token


def user_for_remember_token(token: str, *, now: datetime | None = None) -> User | None:
    """The active user of an unexpired token made in their current session generation."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    row = db.session.execute(
        select(RememberToken, User)
        .join(User, User.id == RememberToken.user_id)
        .where(RememberToken.token_hash == _hash(token))
    ).first()
    if row is None:
        return None
    remembered, user = row
    if (
        remembered.expires_at <= now
        or remembered.session_generation != user.session_generation
        or not user.active
    ):
        return None
    return user


def end_all_sessions(user: User, *, by: User | None, reason: str) -> None:
    """End every session and remember token of `user` (committed, with an audit event)."""
    user.session_generation = (user.session_generation or 1) + 1
    db.session.execute(delete(RememberToken).where(RememberToken.user_id == user.id))
    audit.record(
        "auth.sessions_ended",
        actor=by,
        patient_id=user.id if user.is_patient else None,
        object_type="user",
        object_id=user.id,
        detail={"reason": reason},
    )
    db.session.commit()
