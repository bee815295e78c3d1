"""Parse-and-expand time per phrase over issue 18's catalogue, and the share read exactly.

    python bench/phrase_speed.py

The grammar is built once per process (the first parse, timed apart); each phrase is then parsed
and expanded into its occurrences for the catalogue's plan (adopted 2024-01-01, horizon 2026).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "roadmap"))

from phrase_catalogue import ADOPTED, CALENDAR, HORIZON, POLICY, load, measure

from kontrol.roadmap.errors import ScheduleSyntaxError, ScheduleValueError
from kontrol.roadmap.occurrences import occurrences
from kontrol.roadmap.schedule import parse_schedule


def _one(phrase: str) -> float:
    start = time.perf_counter()
    try:
        schedule = parse_schedule(phrase)
        occurrences(
            schedule, adopted=ADOPTED, horizon_year=HORIZON, policy=POLICY, calendar=CALENDAR
        )
    except (ScheduleSyntaxError, ScheduleValueError):
        pass
    return time.perf_counter() - start


def main() -> None:
    entries = load()
    first = _one(entries[0].phrase)  # builds the grammar
    times = [_one(e.phrase) for e in entries]
    share, misses = measure(entries)
    print(f"phrases: {len(entries)}, issuers: {len({e.issuer for e in entries})}")
    print(f"grammar build + first phrase: {first * 1000:.1f} ms")
    print(
        f"parse+expand per phrase: median {statistics.median(times) * 1000:.2f} ms, "
        f"max {max(times) * 1000:.2f} ms"
    )
    print(f"understood exactly: {share:.1%} ({len(entries) - len(misses)} of {len(entries)})")


if __name__ == "__main__":
    main()
