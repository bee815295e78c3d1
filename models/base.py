"""Declarative base, shared column types and the constraint naming convention.

Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, cast

from sqlalchemy import JSON, DateTime, Dialect, MetaData, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, mapped_column
from sqlalchemy.types import TypeDecorator

from kontrol.roadmap.moments import utc as utc  # re-exported: the models' users take it from here

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

intpk = Annotated[int, mapped_column(primary_key=True)]
str_id = Annotated[str, mapped_column(String(64))]
text = Annotated[str, mapped_column(Text)]
json_list = Annotated[list[Any], mapped_column(JSON)]
json_dict = Annotated[dict[str, Any], mapped_column(JSON)]


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Every timestamp column: written as UTC, read back as aware UTC on every database.

    PostgreSQL keeps the zone (``timestamptz``); SQLite keeps only the wall clock, so a moment
    is converted to UTC before it is written and given its zone back when read. Code above the
    models therefore only ever sees aware UTC datetimes, and comparisons in SQL are between UTC
    wall clocks on both databases.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else utc(value)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        return None if value is None else utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {str: String(255), dt.datetime: UtcDateTime}  # noqa: RUF012


def table_of(model: type[Base]) -> Table:
    """A model's table, for Core statements: mapped classes declare ``__table__`` as a
    ``FromClause``, and every one of ours is a ``Table``."""
    return cast(Table, model.__table__)
