"""Database connection and schema migrations.

SQLite (the embedded default) serializes writers: every write transaction
starts with BEGIN IMMEDIATE, so two users completing the same task queue up
instead of failing with "database is locked" halfway through a step.
PostgreSQL runs the same code with row locks.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def default_database_url(instance_dir: Path) -> str:
    return f"sqlite:///{instance_dir / 'casepath.sqlite'}"


def make_engine(url: str, **options) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False}, **options)
        _serialize_sqlite_writers(engine)
        return engine
    engine = create_engine(url, **{"connect_args": _without_jit(url), **options})
    _ping_idle_connections(engine)
    return engine


def _without_jit(url: str) -> dict:
    """Connection options that turn PostgreSQL's JIT compiler off, unless the URL sets it.

    Every statement casepath sends touches a handful of rows, but the planner prices a plan
    from table statistics, and between two autoanalyze runs a table that gained thousands of
    dead rows can push a one-row read over `jit_above_cost`: each execution then spends ~30 ms
    compiling 100 functions to save microseconds (seen on the locked read at week 2,000 of
    bench/loop_history.py). A session setting in the startup packet costs no round trip."""
    options = make_url(url).query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    if "jit" in options:
        return {}
    return {"options": f"{options} -c jit=off".strip()}


# A connection handed back less than this long ago is handed out again without a ping (as
# HikariCP's aliveBypassWindowMs does): a busy server skips a round trip per transaction, and
# a server that restarted while the pool sat idle is still noticed before any statement.
IDLE_BEFORE_PING_SECONDS = 0.5


def _ping_idle_connections(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_connection, record):
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):
        if record is not None:
            record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("returned_at", 0) <= IDLE_BEFORE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # gone: the pool drops it and hands out another
            raise exc.DisconnectionError(f"connection was closed while idle: {error}") from error


def _serialize_sqlite_writers(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Every commit waits for its fsync (SQLite's usual default, stated so no build's default
        # changes it): a power cut loses no step anyone was told was saved. NORMAL would save
        # about 0.45 ms a step and lose the last commits to a power cut (bench/task_completion.py
        # --db sqlite-normal).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Straight to the driver: it is how SQLite takes its write lock, sent on every write
        # transaction, and SQLAlchemy's statement machinery would cost more than SQLite's work.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def alembic_config(engine: Engine) -> Config:
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


def database_url_from_environment(instance_dir: Path) -> str:
    return os.environ.get("DATABASE_URL") or default_database_url(instance_dir)
