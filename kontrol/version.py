"""Which kontrol on which schema: the installed package's version and the database's Alembic
revision, shown by ``kontrol --version`` and ``kontrol init`` and stamped on every artifact a
flow run publishes, so what a worker did can be traced to the code and schema that did it."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _metadata_version

from sqlalchemy import Engine

from kontrol.models.db import current_revision, make_engine


def version() -> str:
    """The version of the installed distribution (pyproject's ``version``)."""
    try:
        return _metadata_version("kontrol")
    except PackageNotFoundError:  # imported from a folder that was never installed
        return "0+unknown"


def stamp(revision: str | None) -> str:
    """«kontrol 0.1.0 · схема БД 0009», the line under every artifact of a flow run."""
    return f"kontrol {version()} · схема БД {revision or 'не создана'}"


def engine_stamp(engine: Engine) -> str:
    return stamp(current_revision(engine))


def database_stamp(database_url: str) -> str:
    """The stamp for the database at ``database_url`` (an engine of its own, closed after)."""
    engine = make_engine(database_url)
    try:
        return engine_stamp(engine)
    finally:
        engine.dispose()


def stamped(description: str, line: str) -> str:
    """An artifact's description with the stamp ``line`` under it (Markdown)."""
    return f"{description}\n\n_{line}_"
