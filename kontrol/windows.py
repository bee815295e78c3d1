"""The accepted date window (``roadmap.datewindow``) of what is in the database.

An assignment's dates are bounded by its own roadmap; a date that belongs to no one roadmap
(an event's time, a sweep's «as of» day) by the hull of every imported roadmap.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from kontrol.errors import KontrolError
from kontrol.roadmap.datewindow import DateOutOfRange, DateWindow, date_window, hull

# the models for types, SQLAlchemy where the database is asked: `kontrol status` checks its
# --as-of day against roadmaps it read without them (``check_day``)
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kontrol.models import Assignment, Roadmap


class OutOfWindow(KontrolError):
    """A date outside its window: the bare words of ``DateOutOfRange``; a caller that has a
    field or an option to name puts it in front."""

    @classmethod
    def check(cls, window: DateWindow, day: dt.date) -> dt.date:
        try:
            return window.check(day)
        except DateOutOfRange as exc:
            raise cls(str(exc)) from None


NO_ROADMAP = "no roadmap imported yet, so no date is accepted: run `kontrol import` first"


def roadmap_window(roadmap: Roadmap) -> DateWindow:
    return date_window(roadmap.adopted_on, roadmap.horizon_year)


def assignment_window(a: Assignment) -> DateWindow:
    return roadmap_window(a.obligation.item.roadmap)


def imported_window(session: Session) -> DateWindow | None:
    """The hull of every imported roadmap's window; None before the first import."""
    from sqlalchemy import select

    from kontrol.models import Roadmap

    rows = session.execute(select(Roadmap.adopted_on, Roadmap.horizon_year)).all()
    return hull(date_window(adopted, horizon) for adopted, horizon in rows)


def check_option(session: Session, day: dt.date, option: str) -> dt.date:
    """``day`` of a command-line ``option`` inside the imported roadmaps' window, or one line
    naming the option: ``--as-of: дата 31.12.9999 вне допустимого диапазона …``."""
    return check_day(imported_window(session), day, option)


def check_day(window: DateWindow | None, day: dt.date, option: str) -> dt.date:
    """``check_option`` for a window already known (None: nothing imported)."""
    if window is None:
        raise KontrolError(f"{option}: {NO_ROADMAP}")
    try:
        return window.check(day)
    except DateOutOfRange as exc:
        raise KontrolError(f"{option}: {exc}") from None
