"""Alembic environment: runs on the engine handed over by ``models.db.migrate``."""

from __future__ import annotations

from alembic import context

from kontrol.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # the models know no settings: the caller opens the database
    raise RuntimeError(
        "the migrations run on an engine handed over by kontrol.models.db.migrate "
        "(`kontrol init`), not from the plain alembic command line"
    )

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table by copy, drop and rename; with foreign keys enforced the
        # drop would cascade into the tables that point at it (outbox_content, say) and empty
        # them. The pragma works only outside a transaction, hence before anything else, and
        # the keys are checked before the work is committed.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
