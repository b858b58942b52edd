"""The migrations build exactly the schema the models describe, on both databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.store.db import upgrade
from engine.store.models import Base


def test_migrations_match_the_models_and_rerun_cleanly(db_engine):
    upgrade(db_engine)  # a second upgrade is a no-op
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrading_a_database_with_cases_keeps_them(database_url, clock):
    """0011 lets a case have no client (a supervision session, NASW Std 11): SQLite rebuilds the
    cases table for it. A database with cases, tasks and a signed record upgrades with all of it
    kept (dropping the old table must not cascade into its children) and foreign keys enforced
    again afterwards."""
    from alembic import command
    from sqlalchemy import text

    from engine.definitions.forms import FormCatalog
    from engine.facade import CaseEngine
    from engine.policy import operator
    from engine.store.db import alembic_config, make_engine, session_factory
    from tests.support.paths import TESTS
    from tests.support.people import ADULT, CHEAP_HASHING

    db = make_engine(database_url)
    try:
        command.upgrade(alembic_config(db), "0010")
        # Today's engine writes the copies 0014 adds (a task's client sort name, a timer's team):
        # they are there while it opens the case, and gone again before the upgrade.
        later_columns = (("human_tasks", "client_sort VARCHAR(300)"), ("timers", "team VARCHAR(80)"))
        with db.begin() as connection:
            for table, column in later_columns:
                connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column}")
        engine = CaseEngine(session_factory(db), clock, FormCatalog(TESTS / "forms"), case_process="plan_approval",
                            password_hasher=CHEAP_HASHING)
        engine.processes.deploy_path(operator("ada"), TESTS / "processes")
        carol = engine.identity.add_user("carol", "correct-horse-battery", ["case_manager"], "north")
        case = engine.cases.open_case(carol, ADULT)
        tables = ("cases", "workflow_states", "human_tasks", "audit_events", "record_entries")

        def counts():
            with db.connect() as connection:
                return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}

        with db.begin() as connection:
            for table, column in later_columns:
                connection.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column.split()[0]}")
        before = counts()
        upgrade(db)
        assert counts() == before
        with db.connect() as connection:  # 0014 fills the copies of rows already there
            sorts = connection.execute(text("SELECT client_sort FROM human_tasks WHERE state = 'open'")).scalars().all()
        assert sorts and set(sorts) == {f"{ADULT['last_name'].lower()}\x1f{ADULT['first_name'].lower()}"}
        assert engine.cases.get_case(carol, case["id"])["client"]["last_name"] == ADULT["last_name"]
        if db.dialect.name == "sqlite":
            with db.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.dispose()
