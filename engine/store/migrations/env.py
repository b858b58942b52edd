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

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
