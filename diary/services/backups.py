"""Backups of the database and their restore.

SQLite: a consistent copy made with SQLite's online backup API while the app keeps serving
(writers are not stopped; the copy is one snapshot), checked with `PRAGMA integrity_check`.
PostgreSQL: `pg_dump --format=custom` (a consistent snapshot too) and `pg_restore`, when the
client programs are installed; otherwise the error says how to run them (docs/operations.md
explains them and point-in-time recovery).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class Result:
    path: Path
    detail: str


def _sqlite_file(url: URL) -> Path:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(database)


def _libpq_url(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _check_sqlite(path: Path) -> int:
    """Integrity check of a SQLite file that holds this app's schema; returns its entry count."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            status = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if status != "ok":
                raise BackupError(f"{path} fails SQLite's integrity check: {status}")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if not {"alembic_version", "entries", "users"} <= tables:
                raise BackupError(f"{path} is not a diary database.")
            return conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}") from None


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()[-2000:]}") from None


def backup(database_url: str, target: Path, *, overwrite: bool = False) -> Result:
    url = make_url(database_url)
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists already; choose a new file (or --overwrite).")
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source_path = _sqlite_file(url)
        if not source_path.exists():
            raise BackupError(f"The database file {source_path} does not exist.")
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
        copy = sqlite3.connect(partial)
        try:
            with copy:
                source.backup(copy)  # all pages in one step: one consistent snapshot
        finally:
            copy.close()
            source.close()
        entries = _check_sqlite(partial)
        partial.replace(target)
        return Result(target, f"SQLite copy checked: {entries} entries.")
    if url.get_backend_name() == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise BackupError(
                "pg_dump is not installed here. Install the PostgreSQL client programs "
                "(Debian: apt-get install postgresql-client) or run on the database host: "
                f"pg_dump --format=custom --file={target} <database>. See docs/operations.md."
            )
        _run([pg_dump, "--format=custom", "--no-owner", f"--file={target}", _libpq_url(url)])
        return Result(target, "pg_dump custom-format archive (restore with pg_restore).")
    raise BackupError(f"No backup for {url.get_backend_name()} databases.")


def restore(database_url: str, source: Path) -> Result:
    """Replace the database's content with the backup `source`. Stop the app first."""
    url = make_url(database_url)
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    if url.get_backend_name() == "sqlite":
        entries = _check_sqlite(source)
        target = _sqlite_file(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        backup_conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(target, timeout=30)
        try:
            backup_conn.backup(live)
        finally:
            live.close()
            backup_conn.close()
        return Result(target, f"Restored {entries} entries from {source}.")
    if url.get_backend_name() == "postgresql":
        pg_restore = shutil.which("pg_restore")
        if pg_restore is None:
            raise BackupError(
                "pg_restore is not installed here: install the PostgreSQL client programs, or "
                f"run pg_restore --clean --if-exists --no-owner --dbname=<database> {source}."
            )
        _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url(url)}", str(source)])  # fmt: skip
        return Result(source, f"Restored the PostgreSQL database from {source}.")
    raise BackupError(f"No restore for {url.get_backend_name()} databases.")
