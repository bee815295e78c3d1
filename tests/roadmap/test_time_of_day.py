"""``time_of_day`` reads a phrase's time of day without the parse: for every phrase of the
catalogue that parses, it is the time ``parse_schedule`` gives each of its phases."""

from __future__ import annotations

from kontrol.roadmap.errors import ScheduleSyntaxError, ScheduleValueError
from kontrol.roadmap.schedule import parse_schedule, time_of_day
from tests.roadmap.phrase_catalogue import load


def test_every_phase_has_the_time_read_without_parsing() -> None:
    timed = 0
    for entry in load():
        try:
            phases = parse_schedule(entry.phrase).phases
        except (ScheduleSyntaxError, ScheduleValueError):
            continue
        at = time_of_day(entry.phrase)
        assert all(p.time == at for p in phases), entry.phrase
        timed += at is not None
    assert timed >= 5  # the catalogue has phrases with a time of day, or this proves nothing


def test_a_phrase_without_a_time_has_none() -> None:
    assert time_of_day("Ежеквартально, 2018-2025 г.г.") is None
    assert str(time_of_day("1 сентября 2021 г. 10.00 ч.")) == "10:00:00"
