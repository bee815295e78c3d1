"""Moments in UTC: the one rule for a timestamp, shared by the models and the plain reads
(``kontrol.plain_db``)."""

from __future__ import annotations

import datetime as dt


def utc(moment: dt.datetime) -> dt.datetime:
    """The one way a moment becomes aware UTC; a naive value is taken as UTC already."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
