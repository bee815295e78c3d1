"""A scratch database with a decree imported: ``kontrol simulate``'s file, and tests' own.

Nothing keeps it, so on SQLite its writes are not synced and its schema is made from the models
(``create_schema``) instead of migrated: the simulation's set-up in a fraction of the time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from kontrol.importing import import_roadmap
from kontrol.models.db import create_schema, make_engine, migrate, session_factory
from kontrol.obligations import is_referenced, sync_obligations
from kontrol.roadmap.directory import load_directory
from kontrol.roadmap.reader import read_document


def scratch_engine(url: str) -> Engine:
    """``make_engine`` for a scratch database, which nothing keeps: on SQLite (the simulation's
    file) its writes are not synced to the disk, since a crash loses a file that would be
    deleted anyway. (Tests import into PostgreSQL through it too: left as it is.)"""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _unsynced(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA synchronous=OFF")
            cur.close()

    return engine


def scratch_import(url: str, roadmap_file: Path, directory_file: Path, now: dt.datetime) -> None:
    """A fresh schema with the decree imported, as ``kontrol import`` does it: on SQLite (the
    simulation's file) made from the models (``create_schema``), elsewhere migrated."""
    engine = scratch_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            create_schema(engine)
        else:  # tests import into PostgreSQL through here: its schema as every server has it
            migrate(engine)
        document, bodies = read_document(roadmap_file), load_directory(directory_file)
        with session_factory(engine)() as session, session.begin():
            report = import_roadmap(session, document, bodies, now=now, is_referenced=is_referenced)
            sync_obligations(session, report.roadmap_id)
    finally:
        engine.dispose()
