"""Writing a benchmark's table into docs/PERFORMANCE.md, with the machine it ran on.

Each benchmark owns one section (`## <title>`); writing it again replaces that section
and leaves the others. The machine line says what the figures are worth: cores, the
load average beside them (the machine may be shared), and the database versions.
"""
from __future__ import annotations

import os
import platform
import re
from datetime import datetime, timezone

from common import POSTGRES_URL, ROOT

PERFORMANCE = ROOT / "docs" / "PERFORMANCE.md"
HEADER = """# Performance

Figures written by the benchmarks in bench/ (run one with `--write` to replace its section).
They are measurements on the machine named under each table, not guarantees; compare
figures from one run, and read them beside the load average printed with them.
"""


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def database_versions() -> str:
    import sqlite3

    versions = [f"SQLite {sqlite3.sqlite_version}"]
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            versions.append(f"PostgreSQL {conn.execute(text('SHOW server_version')).scalar().split()[0]}")
        engine.dispose()
    except Exception:  # noqa: BLE001  (no PostgreSQL: the line says so by leaving it out)
        pass
    return ", ".join(versions)


def machine() -> str:
    return (f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), Python "
            f"{platform.python_version()}, {database_versions()}; load average at the end: {load()}; "
            f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")


def write_section(title: str, command: str, body: str) -> None:
    """Replace (or add) the section `title` of docs/PERFORMANCE.md."""
    text = PERFORMANCE.read_text() if PERFORMANCE.exists() else HEADER
    section = f"## {title}\n\n`{command}`\n\n{body.rstrip()}\n\nMachine: {machine()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    PERFORMANCE.write_text(text.rstrip() + "\n")
    print(f"wrote section '{title}' of {PERFORMANCE.relative_to(ROOT)}")
