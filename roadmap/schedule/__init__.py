"""The schedule language: phrase → ``Schedule`` (phases, recurrence, bounds, flags)."""

from kontrol.roadmap.schedule.model import (
    DatedPeriod,
    Deadline,
    Flag,
    Kind,
    Phase,
    Schedule,
    Window,
)
from kontrol.roadmap.schedule.parser import normalise, parse_schedule, time_of_day

__all__ = [
    "DatedPeriod",
    "Deadline",
    "Flag",
    "Kind",
    "Phase",
    "Schedule",
    "Window",
    "normalise",
    "parse_schedule",
    "time_of_day",
]
