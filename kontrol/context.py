"""What a command needs to run: settings, an engine, sessions, the directory and the clock.

The CLI builds one ``App`` per invocation; below it nothing reads the clock or the environment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

from kontrol.errors import KontrolError
from kontrol.models.db import current_revision, head_revision, make_engine, migrate, session_factory
from kontrol.settings import Settings


@dataclass
class App:
    settings: Settings
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    def ensure_schema(self) -> None:
        migrate(self.engine)

    def require_schema(self) -> None:
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
        with session_factory(self.engine)() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with session_factory(self.engine)() as session:
            yield session
