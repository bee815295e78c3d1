"""The schema head kontrol checks against is Alembic's: a new migration without SCHEMA_HEAD
moved (or the other way round) fails here, not in a user's `kontrol status`."""

from __future__ import annotations

from kontrol.models.db import (
    SCHEMA_HEAD,
    alembic_head,
    current_revision,
    make_engine,
    migrate,
)


def test_the_constant_is_alembic_s_head() -> None:
    assert alembic_head() == SCHEMA_HEAD


def test_the_revision_read_without_alembic_is_alembic_s(tmp_path) -> None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    try:
        assert current_revision(engine) is None
        migrate(engine, "0005")
        with engine.connect() as conn:
            assert (
                current_revision(engine)
                == MigrationContext.configure(conn).get_current_revision()
                == "0005"
            )
        migrate(engine)
        assert current_revision(engine) == SCHEMA_HEAD
    finally:
        engine.dispose()
