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
