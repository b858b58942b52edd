"""A fresh schema on the shared PostgreSQL for one test: the conftest's `database_url` and the
scale-out test's deployment both take theirs from here."""
from __future__ import annotations

import contextlib
import os
import uuid
from typing import Iterator

from sqlalchemy import create_engine, text

POSTGRES_URL = os.environ.get("CASEPATH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class PostgresUnreachable(Exception):
    """The schema could not be made: the caller decides whether that fails or skips its test."""


@contextlib.contextmanager
def fresh_schema(prefix: str) -> Iterator[str]:
    """A database URL whose search_path is a new schema, dropped (with all in it) afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001  (any failure to connect or create says the same)
        admin.dispose()
        raise PostgresUnreachable(f"PostgreSQL at {POSTGRES_URL} is not reachable ({exc})") from exc
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
