"""Statements sent straight to the driver's cursor, for the few a step sends on every call (SQLite).

SQLAlchemy's execute() sets up an execution context and a result around each statement:
on a 3 ms SQLite completion that cost about 0.03 ms a statement, and 0.13 ms for the
locked read (its 90 columns' result metadata and rows), against 0.07 ms for SQLite's own
work on that read (bench/task_completion.py). Here a statement is compiled once, by
SQLAlchemy, for the dialect; each call then

- converts its parameters with the types' own bind processors (as execute() would),
- tells the connection's cursor listeners (before_cursor_execute, after_cursor_execute)
  about it, as execute() does, so the statement counters see every statement (the
  context argument is None: there is no execution context),
- raises the driver's errors as SQLAlchemy's (IntegrityError, OperationalError, ...),
- converts result values with the types' result processors (only where asked).

Only what SQLAlchemy fully settles at compile time is sent this way: a statement with a
Python-side default or an expanding IN raises NeedsExecute, and goes through execute().
"""
from __future__ import annotations

from sqlalchemy import exc
from sqlalchemy.engine import Connection


class NeedsExecute(Exception):
    """The statement needs SQLAlchemy at execution time (a default to compute, an IN to expand)."""


class CompiledStatement:
    """A statement compiled once for the given parameter names: its SQL, per positional
    parameter its name and the type's bind processor (instants to UTC text, JSON to text),
    values the statement carries itself (a LIMIT), and per result column its processor."""

    def __init__(self, statement, names: tuple[str, ...], dialect) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(names))
        if compiled.insert_prefetch or compiled.update_prefetch or compiled.positiontup is None \
                or any(bind.expanding for bind in compiled.binds.values()):
            raise NeedsExecute("a statement SQLAlchemy must complete at execution")
        processors = compiled._bind_processors
        carried = compiled.construct_params(_check=False)
        self.sql = compiled.string
        self.params = tuple((name, processors.get(name)) for name in compiled.positiontup)
        self.carried = {name: carried[name] for name in compiled.positiontup if name not in names}
        # (position, processor) of the result columns that have one (instants, JSON, booleans)
        self.result_processors = tuple(
            (at, process) for at, process in enumerate(column.type._cached_result_processor(dialect, None)
                                                       for column in compiled._result_columns)
            if process is not None)

    def args(self, values: dict) -> tuple:
        if self.carried:
            values = {**self.carried, **values}
        return tuple(values[name] if process is None else process(values[name]) for name, process in self.params)


_COMPILED: dict[tuple, CompiledStatement | None] = {}
_MAX_COMPILED = 512


def compiled(key: tuple, build, names: tuple[str, ...], dialect) -> CompiledStatement | None:
    """The statement `build()` makes, known by `key`, compiled once for these parameter names and
    this dialect; None if it needs execute() (NeedsExecute), which is remembered too."""
    cache_key = (key, names, dialect.name, dialect.driver)
    found = _COMPILED.get(cache_key, False)
    if found is False:
        if len(_COMPILED) >= _MAX_COMPILED:
            _COMPILED.clear()
        try:
            found = CompiledStatement(build(), names, dialect)
        except NeedsExecute:
            found = None
        _COMPILED[cache_key] = found
    return found


def send(connection: Connection, compiled: CompiledStatement, params: dict | list[dict]):
    """Execute on the connection's driver cursor (a list of parameter sets: executemany) and
    return the cursor, its rows not fetched yet."""
    many = not isinstance(params, dict)
    args = [compiled.args(row) for row in params] if many else compiled.args(params)
    sql = compiled.sql
    cursor = connection.connection.driver_connection.cursor()
    listening = connection._has_events or connection.engine._has_events
    if listening:
        for listener in connection.dispatch.before_cursor_execute:
            sql, args = listener(connection, cursor, sql, args, None, many)
    try:
        if many:
            cursor.executemany(sql, args)
        else:
            cursor.execute(sql, args)
    except connection.dialect.loaded_dbapi.Error as error:
        cursor.close()
        raise exc.DBAPIError.instance(sql, args, error, connection.dialect.loaded_dbapi.Error,
                                      dialect=connection.dialect, ismulti=many) from error
    if listening:
        for listener in connection.dispatch.after_cursor_execute:
            listener(connection, cursor, sql, args, None, many)
    return cursor


def processed(values, processors) -> list:
    """A row's values as execute() would return them (CompiledStatement.result_processors applied)."""
    row = list(values)
    for at, process in processors:
        if row[at] is not None:
            row[at] = process(row[at])
    return row
