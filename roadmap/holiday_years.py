"""The days off of the ``holidays`` package's Russia calendar, one year at a time, kept in the
user's cache folder.

Asking holidays about one day imports every country's module first (about 0.1 s, a third of
what ``kontrol schedule`` cost), while the answer for a year is a few dozen dates. The dates
are therefore written once per machine to ``holidays-ru-<version>.json``: a year read from it
gives the same days as the package, and a year not in it is asked of the package and added.
The file is named by holidays' version, so an upgrade (which may change a year, as a new decree
on transfers does) starts a new file. It is a cache and nothing else
(``kontrol.roadmap.user_cache``): a file that is missing, unreadable or holds anything but
years of dates is ignored, and the package answers.
"""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from kontrol.roadmap.user_cache import cache_dir, write_whole

__all__ = ["HolidayYears", "russia"]


class HolidayYears:
    """The non-working days of each year (weekends and holidays, less worked Saturdays), as
    holidays' Russia calendar has them; ``folder`` None keeps nothing between processes."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._years: dict[int, frozenset[date]] = {}
        self._read = False
        self._path: Path | None = None
        # threads ask at once (the portal), and holidays fills a year in place: one at a time
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
                if self._path is not None:
                    self._store(self._path)
            return self._years[year]

    def _file(self) -> Path | None:
        if self.folder is None:
            return None
        from importlib.metadata import PackageNotFoundError, version

        try:
            return self.folder / f"holidays-ru-{version('holidays')}.json"
        except PackageNotFoundError:  # not installed as a distribution: no name to key it by
            return None

    def _store(self, path: Path) -> None:
        data = {
            str(year): sorted(d.timetuple().tm_yday for d in days)
            for year, days in sorted(self._years.items())
        }

        def dump(f: BinaryIO) -> None:
            f.write(json.dumps({"days_off": data}, separators=(",", ":")).encode())

        write_whole(path, dump)


def _ask_holidays(year: int) -> frozenset[date]:
    import holidays

    ru = holidays.country_holidays("RU", years=year)
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
            year, first = int(key), date(int(key), 1, 1)
            if not all(type(n) is int and 1 <= n <= _length(year) for n in numbers):
                return {}
            years[year] = frozenset(first + timedelta(days=n - 1) for n in numbers)
        return years
    except Exception:  # missing, unreadable, not JSON, another shape: the package answers
        return {}


russia = HolidayYears(cache_dir())
"""The process's own: every calendar shares the years read or asked once."""
