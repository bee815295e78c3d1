"""What a command needs to run: settings, an engine, sessions, the directory and the clock.

The CLI builds one ``App`` per invocation; below it nothing reads the clock or the environment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from kontrol.errors import KontrolError

# SQLAlchemy is loaded when a command first uses the database (``kontrol schedule`` never does)
if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from kontrol.plain_db import PlainDB
    from kontrol.settings import Settings


@dataclass
class App:
    settings: Settings
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @cached_property
    def engine(self) -> Engine:
        """The database's engine; a URL kontrol cannot run on is one line naming the variable
        (checked here, at first use, so that commands without a database never load SQLAlchemy)."""
        from kontrol.models.db import make_engine
        from kontrol.settings import bad_setting

        url = self.settings.database_url
        try:
            return make_engine(url)
        except ValueError as exc:
            raise KontrolError(bad_setting("KONTROL_DATABASE_URL", url, str(exc))) from None

    def ensure_schema(self) -> None:
        from kontrol.models.db import migrate

        migrate(self.engine)

    def require_schema(self) -> None:
        from sqlalchemy import inspect

        from kontrol.models.db import current_revision, head_revision

        where = self.engine.url.render_as_string(hide_password=True)
        if not inspect(self.engine).has_table("roadmaps"):
            raise KontrolError(
                f"the database {where} has no kontrol schema: "
                "run `kontrol init` or `kontrol import` first"
            )
        current, head = current_revision(self.engine), head_revision()
        if current != head:
            raise KontrolError(
                f"the database {where} has schema revision {current}, this kontrol needs "
                f"{head}: run `kontrol init` to upgrade it (existing data is kept)"
            )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any error."""
        from kontrol.models.db import session_factory

        with session_factory(self.engine)() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        from kontrol.models.db import session_factory

        with session_factory(self.engine)() as session:
            yield session

    @contextmanager
    def plain_reading(self) -> Iterator[PlainDB]:
        """A read through the database's driver (``kontrol.plain_db``): without SQLAlchemy
        where the URL and the schema allow, else through the engine once ``require_schema``
        has said what is wrong, or found nothing wrong with a URL only SQLAlchemy reads."""
        from kontrol.plain_db import PlainDB, open_plain

        with open_plain(self.settings.database_url) as db:
            if db is not None:
                yield db
                return
        self.require_schema()
        raw = self.engine.raw_connection()
        try:
            db = PlainDB.over(raw.driver_connection, self.engine.dialect.name)
            if db.dialect == "sqlite":
                db.connection.execute("BEGIN")  # one moment, as on the driver's way
            yield db
        finally:
            raw.close()  # the pool rolls the read back
