"""The days off of the ``holidays`` package's Russia calendar, one year at a time, kept in the
user's cache folder.

Asking holidays about one day imports every country's module first (about 0.07 s, a quarter
of what ``kontrol schedule`` cost), while the answer for a year is about 120 dates. The dates
are therefore written once per machine to ``holidays-ru-<FORMAT>-<version>.json``: a year read
from it gives the same days as the package, and a year not in it is asked of the package and
added. Only the years of ``KEPT`` are written: every process reads the whole file, and a
calendar asked about any year (a test's random dates, a date typed wrong by a thousand years)
would otherwise grow it for good (one such file held 3,312 years and cost ``kontrol schedule``
0.4 s to read); a year outside is asked of the package each time, once per process. The file is
named by holidays' version, so an upgrade (which may change a year, as a new decree on
transfers does) starts a new file, and by ``FORMAT``, raised whenever what is written or how the
days are derived changes. It is a cache and nothing else
(``kontrol.roadmap.user_cache``): a file that is missing, unreadable, holds anything but years
of dates, a year outside ``KEPT`` or a year with fewer days off than any year's weekends less a
few worked Saturdays is ignored, and the package answers (and the file is written again).
"""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from importlib.util import find_spec
from pathlib import Path
from typing import Any, BinaryIO

from kontrol.roadmap.user_cache import cache_dir, write_whole

__all__ = ["FORMAT", "KEPT", "HolidayYears", "russia"]

FORMAT = 2  # raised when the file's content or the way the days are derived changes
# the years written to the file: Russia's production calendar since the Federation's first, and
# the decades a roadmap plans for (about 110 years of 120 days each, 40 KB at most)
KEPT = range(1991, 2101)
# every year has at least 104 Saturdays and Sundays, and Russia's have had at most six of them
# worked (transfers): a year listing fewer days off than this is not one kontrol wrote
FEWEST_DAYS_OFF = 104 - 10


class HolidayYears:
    """The non-working days of each year (weekends and holidays, less worked Saturdays), as
    holidays' Russia calendar has them; ``folder`` None keeps nothing between processes."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._years: dict[int, frozenset[date]] = {}
        self._read = False
        self._path: Path | None = None
        # threads ask at once (the portal): one reads the file or asks the package at a time,
        # and the years are not added to while they are written out
        self._lock = threading.Lock()

    def days_off(self, year: int) -> frozenset[date]:
        found = self._years.get(year)
        if found is not None:
            return found
        with self._lock:
            if not self._read:
                self._read = True
                self._path = self._file()
                self._years.update(_load(self._path) if self._path else {})
            if year not in self._years:
                self._years[year] = _ask_holidays(year)
                if self._path is not None and year in KEPT:
                    self._store(self._path)
            return self._years[year]

    def _file(self) -> Path | None:
        if self.folder is None:
            return None
        found = _holidays_version()
        # not installed as a distribution: no name to key it by
        return None if found is None else self.folder / f"holidays-ru-{FORMAT}-{found}.json"

    def _store(self, path: Path) -> None:
        data = {
            str(year): sorted(d.timetuple().tm_yday for d in days)
            for year, days in sorted(self._years.items())
            if year in KEPT
        }

        def dump(f: BinaryIO) -> None:
            f.write(json.dumps({"days_off": data}, separators=(",", ":")).encode())

        write_whole(path, dump)


def _holidays_version() -> str | None:
    """The installed ``holidays`` version, from the name of its ``.dist-info`` folder beside
    the package, found without importing it; ``importlib.metadata`` where that is not
    how it was installed. Importing ``importlib.metadata`` (it loads the email package) was
    6 ms of every ``kontrol schedule``."""
    spec = find_spec("holidays")
    if spec is not None and spec.origin:
        site = Path(spec.origin).parent.parent
        names = [p.name for p in site.glob("holidays-*.dist-info")]
        if len(names) == 1:
            return names[0].removeprefix("holidays-").removesuffix(".dist-info")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("holidays")
    except PackageNotFoundError:
        return None


def _ask_holidays(year: int) -> frozenset[date]:
    import holidays

    # the years either side too: a transfer may name a day of the next or the last year, and
    # the package learns it only with the year that declares it
    ru = holidays.country_holidays("RU", years=range(max(year - 1, 1), min(year + 1, 9999) + 1))
    first = date(year, 1, 1)
    days = (first + timedelta(days=n) for n in range(_length(year)))
    return frozenset(d for d in days if not ru.is_working_day(d))


def _length(year: int) -> int:
    return (date(year, 12, 31) - date(year, 1, 1)).days + 1


def _load(path: Path) -> dict[int, frozenset[date]]:
    """The years in the file, or none when anything in it is not what ``_store`` writes."""
    try:
        data: Any = json.loads(path.read_bytes())["days_off"]
        years: dict[int, frozenset[date]] = {}
        for key, numbers in data.items():
            year = int(key)
            if year not in KEPT:
                return {}  # not what _store writes
            first = date(year, 1, 1)
            if not all(type(n) is int and 1 <= n <= _length(year) for n in numbers):
                return {}
            if len(set(numbers)) < FEWEST_DAYS_OFF:
                return {}  # cut short or emptied: not what _store writes
            years[year] = frozenset(first + timedelta(days=n - 1) for n in numbers)
        return years
    except Exception:  # missing, unreadable, not JSON, another shape: the package answers
        return {}


russia = HolidayYears(cache_dir())
"""The process's own: every calendar shares the years read or asked once. Its folder is read
from the environment when this module is imported: a process keeps one cache."""
