"""The sweep deployment's schedule is the production calendar at the send hour."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from kontrol.config import Rules
from kontrol.deployments.sweep import sweep_issue_times, sweep_rrules
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.workcalendar import WorkCalendar

RULES = Rules(Policy(), WorkCalendar())
MSK = ZoneInfo("Europe/Moscow")


def test_every_working_day_at_the_send_hour_and_no_holiday() -> None:
    times = sweep_issue_times(RULES, dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    days = [t.date() for t in times]
    assert days[0] == dt.date(2021, 1, 11)
    assert dt.date(2021, 2, 20) in days  # a worked Saturday
    for off in (dt.date(2021, 2, 23), dt.date(2021, 3, 8), dt.date(2021, 5, 4) - dt.timedelta(1)):
        assert off not in days
    assert len(days) == 247  # the 2021 production calendar
    assert {(t.hour, t.minute, t.tzinfo) for t in times} == {(9, 0, MSK)}


def test_rdates_are_local_and_chunked() -> None:
    rules = sweep_rrules(RULES, dt.date(2021, 1, 1), dt.date(2023, 12, 31))
    assert rules[0].startswith("RDATE:20210111T090000,20210112T090000,")
    stamps = [s for r in rules for s in r.removeprefix("RDATE:").split(",")]
    assert all(len(r.removeprefix("RDATE:").split(",")) <= 300 for r in rules)
    assert len(stamps) == len(sweep_issue_times(RULES, dt.date(2021, 1, 1), dt.date(2023, 12, 31)))
    assert all(len(r) < 6500 for r in rules)
