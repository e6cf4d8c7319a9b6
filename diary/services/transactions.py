"""Committing without reading back what the request already holds."""

from __future__ import annotations

from diary.extensions import db


def commit_keeping_loaded() -> None:
    """Commit without expiring the objects the session holds. For work that wrote only rows
    whose values are all known here (an INSERT of an entry, an audit event): the signed-in
    user and the new row are then answered from memory, not read back one query each."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
