"""The schema head kontrol checks against is Alembic's: a new migration without SCHEMA_HEAD
moved (or the other way round) fails here, not in a user's `kontrol status`."""

from __future__ import annotations

from sqlalchemy import text

from kontrol import plain_db
from kontrol.models.db import (
    SCHEMA_HEAD,
    alembic_head,
    current_revision,
    make_engine,
    migrate,
)


def test_the_constant_is_alembic_s_head() -> None:
    assert alembic_head() == SCHEMA_HEAD == plain_db.SCHEMA_HEAD


def test_a_database_behind_the_head_is_read_the_sqlalchemy_way(tmp_path) -> None:
    """`kontrol status` reads without SQLAlchemy only a schema this kontrol knows: an older
    one goes the way that tells the user to run `kontrol init`."""
    url = f"sqlite:///{tmp_path / 'k.db'}"
    engine = make_engine(url)
    try:
        migrate(engine)
        with plain_db.open_plain(url) as db:
            assert db is not None and db.dialect == "sqlite"
        with engine.begin() as conn:  # as a database of the kontrol before this one is
            conn.execute(text("UPDATE alembic_version SET version_num = '0013'"))
        with plain_db.open_plain(url) as db:
            assert db is None
    finally:
        engine.dispose()
    with plain_db.open_plain(f"sqlite:///{tmp_path / 'missing.db'}") as db:
        assert db is None and not (tmp_path / "missing.db").exists()


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
