"""Core statements of the hottest paths, run on the connection's own DB-API cursor.

SQLAlchemy's execution of a statement (its execution context, the set-up of its parameters and
result) costs several times what the database takes to run the signed-in user's SELECT by
primary key or a new entry's INSERT, and every signed-in request runs the first, every saved
entry the second. A `Prepared` statement is compiled once per dialect (its SQL, the order of
its parameters, and SQLAlchemy's own bind and result processors for each column's type, from
the public `dialect_impl(...).bind_processor` / `result_processor`), so what is sent and what
comes back are what a Core execution sends and returns (tests/test_prepared.py compares them
on each database). It runs on the connection it is given, in that connection's transaction.

What a Core execution does around the cursor is kept:
- the engine's before/after_cursor_execute listeners are called with the cursor, statement and
  parameters (SQLite's writers take their turn there, diary/sqlite_writers.py; statement
  counters see it); listeners that replace the statement (`retval=True`) are not supported;
- a DB-API error becomes SQLAlchemy's exception of the same name (`DBAPIError.instance`,
  so IntegrityError, OperationalError... as from Core, and errors.py answers 503 for a database
  that is down), and a connection the dialect judges lost is invalidated first, so the pool
  does not hand it out again.
Not kept: SQLAlchemy's statement logging (`echo`) and its handle_error event.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection


class Prepared:
    """One Core statement (a SELECT of columns, or an INSERT/UPDATE/DELETE) to run on the
    connection's cursor. `params` name the statement's bound parameters; for an INSERT built
    without values, the columns to write (every call the same keys, as `keys` says)."""

    def __init__(self, statement, keys: tuple[str, ...] | None = None) -> None:
        self.statement = statement
        self.keys = keys
        self._by_dialect: dict[str, tuple] = {}

    def _prepared(self, dialect) -> tuple:
        prepared = self._by_dialect.get(dialect.name)
        if prepared is not None:
            return prepared
        compiled = self.statement.compile(
            dialect=dialect, column_keys=list(self.keys) if self.keys is not None else None
        )
        binds = {}
        for name, bind in compiled.binds.items():
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if convert is not None:
                binds[name] = convert
        selected = getattr(self.statement, "selected_columns", None)
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in (selected if selected is not None and self.statement.is_select else ())
        )
        order = tuple(compiled.positiontup) if compiled.positional else None
        prepared = (compiled, str(compiled), order, binds, results)
        self._by_dialect[dialect.name] = prepared
        return prepared

    def _run(self, connection: Connection, params: dict[str, Any], fetch: bool):
        compiled, sql, order, binds, results = self._prepared(connection.dialect)
        bound = compiled.construct_params(params)
        for name, convert in binds.items():
            value = bound[name]
            if value is not None:
                bound[name] = convert(value)
        parameters = tuple(bound[name] for name in order) if order is not None else bound
        dispatch = connection.dispatch
        dbapi_connection = connection.connection.dbapi_connection
        cursor = None
        try:
            cursor = dbapi_connection.cursor()
            for listener in dispatch.before_cursor_execute:
                listener(connection, cursor, sql, parameters, None, False)
            cursor.execute(sql, parameters)
            raw = cursor.fetchone() if fetch else None
            for listener in dispatch.after_cursor_execute:
                listener(connection, cursor, sql, parameters, None, False)
        except connection.dialect.loaded_dbapi.Error as error:
            self._raise(connection, error, sql, parameters, dbapi_connection, cursor)
        finally:
            if cursor is not None:
                cursor.close()
        if raw is None:
            return None
        return tuple(
            value if convert is None or value is None else convert(value)
            for convert, value in zip(results, raw, strict=True)
        )

    @staticmethod
    def _raise(connection, error, sql, parameters, dbapi_connection, cursor) -> None:
        dialect = connection.dialect
        lost = dialect.is_disconnect(error, dbapi_connection, cursor)
        if lost:
            connection.invalidate(error)
        raise sa_exc.DBAPIError.instance(
            sql,
            parameters,
            error,
            dialect.loaded_dbapi.Error,
            connection_invalidated=lost,
            dialect=dialect,
        ) from error

    def first(self, connection: Connection, params: dict[str, Any]) -> tuple | None:
        """The first row of a SELECT (its values converted, in its column order), or None."""
        return self._run(connection, params, fetch=True)

    def execute(self, connection: Connection, params: dict[str, Any]) -> None:
        """Run an INSERT, UPDATE or DELETE."""
        self._run(connection, params, fetch=False)
