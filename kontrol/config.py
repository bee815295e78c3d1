"""Policy and production calendar as configured (files named by settings, or the defaults)."""

from __future__ import annotations

from dataclasses import dataclass

from kontrol.settings import Settings
from roadmap.policy import Policy, load_policy
from roadmap.workcalendar import WorkCalendar, load_overrides


@dataclass(frozen=True)
class Rules:
    policy: Policy
    calendar: WorkCalendar


def load_rules(settings: Settings) -> Rules:
    policy = load_policy(settings.policy) if settings.policy else Policy()
    overrides = load_overrides(settings.calendar_overrides) if settings.calendar_overrides else None
    return Rules(policy=policy, calendar=WorkCalendar(overrides))
