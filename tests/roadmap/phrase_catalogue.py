"""The phrase catalogue of issue 18 (tests/roadmap/data/phrases.yaml) and how one reading is judged.

A phrase is understood exactly when it parses without error and its reading equals the expected
one: the kind of every phase, the frequency, the earliest due date (moved by the policy's
working-day rule), the remark flag, the time of day and, where given, the number of occurrences;
or, where the expected reading is ``error``, a refusal whose message names those words.
Shared by tests/roadmap/test_phrase_catalogue.py and bench/phrase_speed.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from kontrol.roadmap.errors import ScheduleSyntaxError, ScheduleValueError
from kontrol.roadmap.occurrences import occurrences
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.schedule import Schedule, parse_schedule
from kontrol.roadmap.workcalendar import WorkCalendar

CATALOGUE = Path(__file__).parent / "data" / "phrases.yaml"
ADOPTED = date(2024, 1, 1)
HORIZON = 2026
POLICY = Policy()
CALENDAR = WorkCalendar()


@dataclass(frozen=True)
class Entry:
    phrase: str
    source: str
    issuer: str
    expect: dict[str, Any]


def load() -> list[Entry]:
    raw = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return [Entry(r["phrase"], r["source"], r["issuer"], r["expect"]) for r in raw]


def _time_of(schedule: Schedule) -> str | None:
    for phase in schedule.phases:
        t = getattr(phase, "time", None)
        if t is not None:
            return f"{t.hour:02d}:{t.minute:02d}"
    return None


def _judge_error(phrase: str, words: str) -> str | None:
    try:
        schedule = parse_schedule(phrase)
        occurrences(
            schedule, adopted=ADOPTED, horizon_year=HORIZON, policy=POLICY, calendar=CALENDAR
        )
    except (ScheduleSyntaxError, ScheduleValueError) as exc:
        return None if words in str(exc) else f"error {exc} does not name {words!r}"
    return f"read, not refused naming {words!r}"


def judge(entry: Entry) -> str | None:
    """None when the phrase is understood exactly, else why not."""
    exp = entry.expect
    if "error" in exp:  # the reading is a refusal that names what to add (a season …)
        return _judge_error(entry.phrase, exp["error"])
    try:
        schedule = parse_schedule(entry.phrase)
    except (ScheduleSyntaxError, ScheduleValueError) as exc:
        return f"error: {exc}"
    kinds = {p.kind.value for p in schedule.phases}
    if kinds != {exp["kind"]}:
        return f"kind {sorted(kinds)} != {exp['kind']}"
    if "frequency" in exp and schedule.phases[0].frequency != exp["frequency"]:
        return f"frequency {schedule.phases[0].frequency} != {exp['frequency']}"
    if exp.get("flag") and not any(p.flags for p in schedule.phases):
        return "no flag kept"
    if exp.get("time") != _time_of(schedule):
        return f"time {_time_of(schedule)} != {exp.get('time')}"
    if "first_due" not in exp:
        return None
    occs = [
        o
        for _phase, phase_occs in occurrences(
            schedule, adopted=ADOPTED, horizon_year=HORIZON, policy=POLICY, calendar=CALENDAR
        )
        for o in phase_occs
    ]
    if not occs:
        return "no occurrence"
    want = CALENDAR.last_working_day_on_or_before(exp["first_due"])
    first = min(o.due_on for o in occs)
    if first != want:
        return f"first due {first} != {want}"
    if "count" in exp and len(occs) != exp["count"]:
        return f"{len(occs)} occurrences != {exp['count']}"
    return None


def measure(entries: list[Entry]) -> tuple[float, list[tuple[Entry, str]]]:
    """The share understood exactly and the misses with their reasons."""
    misses = [(e, why) for e in entries if (why := judge(e)) is not None]
    return 1 - len(misses) / len(entries), misses
