"""The Russian production calendar (производственный календарь) as working-day arithmetic.

Holidays, transferred days off and worked Saturdays come from the ``holidays`` package's Russia
calendar, asked one year at a time and kept in the user's cache
(``kontrol.roadmap.holiday_years``). The committee can add its own changes — one-off days off
such as the 2020 vote days, or regional decisions — in a small YAML file (``days_off: [...]``,
``working_days: [...]``) that overrides the package.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kontrol.roadmap.errors import RoadmapError
from kontrol.roadmap.holiday_years import HolidayYears, russia

__all__ = ["CalendarError", "Overrides", "WorkCalendar", "load_overrides"]

_ONE = timedelta(days=1)
_SEARCH_LIMIT = 366  # no real calendar has a year without a working day


class CalendarError(RoadmapError):
    """The calendar overrides file is invalid."""


@dataclass(frozen=True)
class Overrides:
    """The committee's own changes to the production calendar."""

    days_off: frozenset[date] = field(default_factory=frozenset)
    working_days: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        both = self.days_off & self.working_days
        if both:
            raise CalendarError(
                "a date is both a day off and a working day",
                text=", ".join(d.isoformat() for d in sorted(both)),
            )


def _dates(raw: Any, key: str, file: str) -> frozenset[date]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise CalendarError(f"'{key}' must be a list of dates (YYYY-MM-DD)", file=file)
    out: set[date] = set()
    for value in raw:
        if isinstance(value, date):
            out.add(value)
            continue
        try:
            out.add(date.fromisoformat(str(value).strip()))
        except ValueError:
            raise CalendarError(
                f"'{key}' has a value that is not a date (YYYY-MM-DD)", file=file, text=str(value)
            ) from None
    return frozenset(out)


def load_overrides(path: Path | str) -> Overrides:
    """Read the committee's calendar changes; every problem names the file and the key."""
    from kontrol.roadmap.yamlfile import load  # YAML only for an overrides file

    file = str(path)
    data = load(path, "calendar overrides", CalendarError)
    if data is None:
        return Overrides()
    if not isinstance(data, dict):
        raise CalendarError("calendar overrides must be a mapping", file=file)
    unknown = sorted(set(map(str, data)) - {"days_off", "working_days"})
    if unknown:
        raise CalendarError(
            "unknown key(s) in calendar overrides (expected days_off, working_days)",
            file=file,
            text=", ".join(unknown),
        )
    try:
        return Overrides(
            days_off=_dates(data.get("days_off"), "days_off", file),
            working_days=_dates(data.get("working_days"), "working_days", file),
        )
    except CalendarError as exc:
        exc.file = exc.file or file
        raise


class WorkCalendar:
    """Working-day arithmetic over the Russian production calendar plus overrides."""

    def __init__(self, overrides: Overrides | None = None, *, years: HolidayYears = russia) -> None:
        self._start(overrides or Overrides(), years)

    def _start(self, overrides: Overrides, years: HolidayYears = russia) -> None:
        self.overrides = overrides
        # the package's days off (``years``: the process's own, unless a test brings its own)
        self._years = years
        # each day's answer, once: the sweep and the simulation ask about the same days
        # millions of times
        self._known: dict[date, bool] = {}
        # per year, the ordinal of the day before its 1 January, and the working days among its
        # first k days, for k = 0 … the year's length
        self._counts: dict[int, tuple[int, list[int]]] = {}

    def __getstate__(self) -> dict[str, Any]:
        # a calendar is its overrides; the rest is caches (a copy reads the process's years)
        # (Prefect hashes a task's inputs by pickling them: the rules carry a calendar)
        return {"overrides": self.overrides}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._start(state["overrides"])

    def is_working_day(self, d: date) -> bool:
        """True on a working day: overrides first, then holidays' Russia calendar."""
        known = self._known.get(d)
        if known is None:
            known = self._known[d] = self._decide(d)
        return known

    def _decide(self, d: date) -> bool:
        if d in self.overrides.days_off:
            return False
        if d in self.overrides.working_days:
            return True
        return d not in self._years.days_off(d.year)

    def _step(self, d: date, step: timedelta) -> date:
        for _ in range(_SEARCH_LIMIT):
            if self.is_working_day(d):
                return d
            d += step
        raise CalendarError(f"no working day within a year of {d.isoformat()}")

    def first_working_day_on_or_after(self, d: date) -> date:
        return self._step(d, _ONE)

    def last_working_day_on_or_before(self, d: date) -> date:
        return self._step(d, -_ONE)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self._step(d + _ONE, _ONE)

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        return self._step(d - _ONE, -_ONE)

    def add_working_days(self, d: date, n: int) -> date:
        """Move ``n`` working days from ``d`` (negative: backwards); 0 keeps ``d``.

        Forwards, the working day ``n`` places after the last one on or before ``d``;
        backwards, the one ``-n - 1`` places before the last one strictly before ``d``: found in
        the years' running counts, not by stepping a day at a time."""
        if n == 0:
            return d
        if n > 0:
            return self._nth(d.year, self._through(d) + n)
        before = d - _ONE
        return self._nth(before.year, self._through(before) + n + 1)

    def _nth(self, year: int, n: int) -> date:
        """The ``n``-th working day of ``year``, ``n`` counted on into the next years or back
        into the previous ones when it is beyond this one's."""
        while n > (total := self._through(date(year, 12, 31))):
            if total == 0:
                raise CalendarError(f"no working day in {year}")
            n, year = n - total, year + 1
        while n < 1:
            year -= 1
            total = self._through(date(year, 12, 31))
            if total == 0:
                raise CalendarError(f"no working day in {year}")
            n += total
        before, counts = self._counts[year]
        return date.fromordinal(before + bisect_left(counts, n))

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in the half-open range (a, b]; negative when ``b`` is before ``a``.

        From each year's running count (``_through``) rather than day by day: the sweep asks
        it of every overdue assignment on every sweep day, over spans of months."""
        if b < a:
            return -self.working_days_between(b, a)
        whole = sum(self._through(date(year, 12, 31)) for year in range(a.year, b.year))
        return whole + self._through(b) - self._through(a)

    def _through(self, d: date) -> int:
        """The working days of ``d``'s year up to and including ``d``."""
        known = self._counts.get(d.year)
        if known is None:  # built whole, then stored: threads at most build it twice
            counts, n, day = [0], 0, date(d.year, 1, 1)
            while day.year == d.year:
                n += self.is_working_day(day)
                counts.append(n)
                if day == date.max:
                    break
                day += _ONE
            known = self._counts[d.year] = (date(d.year, 1, 1).toordinal() - 1, counts)
        before, counts = known
        return counts[d.toordinal() - before]
