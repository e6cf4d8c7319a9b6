"""SQLite writers take turns through a lock file instead of SQLite's busy handler.

SQLite lets one connection write at a time. A connection that finds the database locked by
another worker's write waits in SQLite's busy handler, which polls: it sleeps 1 ms, then 2, 5,
10 ms... before trying again, however soon the other write ends. Under gunicorn's workers
saving entries at once (a write holds the lock for a fraction of a millisecond), about one
entry in twelve met another's lock and slept at least a millisecond (bench/http.py: POST
/api/v1/entries about a tenth faster with the turns).

Here a connection about to write (its first INSERT, UPDATE or DELETE of a transaction) first
takes an exclusive `flock` on a file beside the database (`<database>.writers`), looking again
every 50 to 500 microseconds while another writer holds it; the holder lets go as soon as its
commit or rollback returns. A writer that has not had its turn within the busy timeout goes on
without it (SQLite's lock and busy timeout then decide: a 503 as before). SQLite's own
locking is unchanged and still decides: the file only orders the app's writers (a writer that
holds SQLite's lock always holds the file's; the threads of one process take turns on a lock
of their own first, as a flock is the whole process's), so waiting for it can never wait on a
reader, and a process that dies drops its lock with it. Each process opens the file itself (a
descriptor inherited across a fork would be one lock shared by every worker).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
MAX_PAUSE = 0.0005  # seconds between two looks at a taken turn (SQLite's first wait: 0.001)


class _Turns:
    """The lock file of one database, opened once per process."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._pid = 0
        self._open_lock = threading.Lock()
        self._threads = threading.Lock()  # a flock is the process's: threads take turns here

    def fd(self) -> int:
        if self._pid != os.getpid():
            with self._open_lock:
                if self._pid != os.getpid():
                    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                    self._pid = os.getpid()
        return self._fd  # type: ignore[return-value]

    def take(self, timeout: float) -> bool:
        """The turn, waited for up to `timeout` seconds (False: not had; SQLite's own lock and
        busy timeout then decide, as without this module): first among this process's threads,
        then among the processes."""
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        fd = self.fd()
        pause = 0.00005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self._threads.release()
                    return False
                time.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE)

    def give(self) -> None:
        try:
            fcntl.flock(self.fd(), fcntl.LOCK_UN)
        finally:
            self._threads.release()


_turns: dict[str, _Turns] = {}
_turns_lock = threading.Lock()


def _turns_of(database: str) -> _Turns:
    path = os.path.abspath(database) + ".writers"
    with _turns_lock:
        found = _turns.get(path)
        if found is None:
            found = _turns[path] = _Turns(path)
        return found


class TakingTurns(sqlite3.Connection):
    """A connection to a database file (sqlite3.connect's `factory`) that takes the file's turn
    before its transaction's first write (take_turn, from the engine's before_cursor_execute)
    and gives it back when its commit or rollback returns."""

    def __init__(self, database, *args, **kwargs) -> None:
        super().__init__(database, *args, **kwargs)
        self.turns = _turns_of(os.fspath(database))
        self.writing = False
        self.turn_timeout = 5.0  # seconds; set to the busy timeout when the engine connects

    def take_turn(self, statement: str) -> None:
        if not self.writing and statement.lstrip()[:7].upper().startswith(_WRITES):
            self.writing = self.turns.take(self.turn_timeout)

    def _give_turn(self) -> None:
        if self.writing:
            self.writing = False
            self.turns.give()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._give_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_turn()


def before_cursor_execute(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    """Engine event: take the turn before a transaction's first write."""
    take = getattr(conn.connection.dbapi_connection, "take_turn", None)
    if take is not None:
        take(statement)
