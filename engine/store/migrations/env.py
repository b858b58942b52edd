"""Alembic environment: runs against the engine handed over by engine.store.db.upgrade."""
from alembic import context

from engine.store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` invoked by hand: use DATABASE_URL
    import os
    from pathlib import Path

    from engine.store.db import make_engine, database_url_from_environment

    engine = make_engine(database_url_from_environment(Path.cwd() / "instance"))


def _sqlite_foreign_keys(connection, on: bool) -> None:
    """SQLite changes a column by rebuilding its table (batch mode): copy, drop the old, rename. With
    foreign keys enforced, dropping a parent table (cases) first deletes its rows and cascades into
    every child, which the append-only triggers refuse. SQLite's own procedure
    (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys off, outside any
    transaction, for the rebuild; `foreign_key_check` once they ran; back on after. (Alembic runs each
    SQLite migration in a transaction of its own.)"""
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, False)  # before the migrations' transaction begins
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
    finally:
        if sqlite:
            if connection.in_transaction():  # the check's read: a PRAGMA inside a transaction does nothing
                connection.rollback()
            _sqlite_foreign_keys(connection, True)  # the pool hands this connection to the app next
