"""The window of dates a person or a sender may give for a roadmap, and the one refusal text.

A roadmap's work runs from its adoption to the end of its horizon year; a due date moved by an
extension, an event's day or a sweep's «as of» day outside that span (plus a year's margin
after it, for the last reports and late extensions) is a typing mistake — 31.12.9999 — and
near the calendar's ends it would overflow the arithmetic of due dates and calendar files.
So every entry point checks its date against ``date_window`` first and refuses with the same
words: «дата 31.12.9999 вне допустимого диапазона 27.07.2020 – 31.12.2031».
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "MARGIN_YEARS",
    "DateOutOfRange",
    "DateWindow",
    "date_window",
    "day_in",
    "ddmmyyyy",
    "hull",
    "whole_years",
]

MARGIN_YEARS = 1  # after the horizon year: reports of its last period, extensions


def ddmmyyyy(day: dt.date) -> str:
    """31.12.9999, 01.01.0001 (``%Y`` does not pad years before 1000 on every platform)."""
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


class DateOutOfRange(ValueError):
    """A date outside the accepted window; the message is the one people read."""

    def __init__(self, day: dt.date, window: DateWindow) -> None:
        self.day, self.window = day, window
        super().__init__(
            f"дата {ddmmyyyy(day)} вне допустимого диапазона {ddmmyyyy(window.first)} – "
            f"{ddmmyyyy(window.last)}"
        )

    @property
    def message(self) -> str:
        return str(self)


@dataclass(frozen=True)
class DateWindow:
    """The dates accepted, both ends included."""

    first: dt.date
    last: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.first <= day <= self.last

    def check(self, day: dt.date) -> dt.date:
        """``day`` if it is inside, else ``DateOutOfRange``."""
        if day not in self:
            raise DateOutOfRange(day, self)
        return day


def whole_years(window: DateWindow) -> DateWindow:
    """The window widened to start on 1 January: a report or a simulation of the adoption year
    may start before the adoption day (nothing is issued before it)."""
    return DateWindow(dt.date(window.first.year, 1, 1), window.last)


def date_window(adopted_on: dt.date, horizon_year: int | None) -> DateWindow:
    """The adoption day … 31 December of the horizon year plus ``MARGIN_YEARS`` (a roadmap
    without a horizon year runs to the end of its adoption year, as its plan does)."""
    last_year = max(horizon_year or adopted_on.year, adopted_on.year) + MARGIN_YEARS
    return DateWindow(adopted_on, dt.date(min(last_year, dt.MAXYEAR), 12, 31))


def hull(windows: Iterable[DateWindow]) -> DateWindow | None:
    """The smallest window holding every one of ``windows`` (several roadmaps), or None."""
    found = list(windows)
    if not found:
        return None
    return DateWindow(min(w.first for w in found), max(w.last for w in found))


def day_in(at: dt.datetime, zone: dt.tzinfo) -> dt.date:
    """The day of ``at`` in ``zone`` (a naive ``at`` is already in it).

    Near the ends of the calendar the conversion has no result (0001-01-01T00:00+14:00 is in
    year 0 in UTC): then the day as written is returned — it is outside every window anyway.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        return at.date()
    try:
        return at.astimezone(zone).date()
    except (OverflowError, ValueError):
        return at.date()
