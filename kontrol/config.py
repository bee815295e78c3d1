"""Policy and production calendar as configured (files named by settings, or the defaults)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from kontrol.roadmap.policy import Policy, load_policy
from kontrol.roadmap.workcalendar import WorkCalendar, load_overrides
from kontrol.settings import Settings


@dataclass(frozen=True)
class Rules:
    policy: Policy
    calendar: WorkCalendar


def load_rules(settings: Settings) -> Rules:
    policy = load_policy(settings.policy) if settings.policy else Policy()
    overrides = load_overrides(settings.calendar_overrides) if settings.calendar_overrides else None
    return Rules(policy=policy, calendar=WorkCalendar(overrides))


def mail_zone(settings: Settings) -> ZoneInfo:
    """The policy's time zone, for the Date of every mail: the time its readers live by.

    For the mail code, which has the settings but not the rules; the policy file is read once
    per path and modification time, not once per message."""
    path = settings.policy
    return _policy_zone(path, path.stat().st_mtime_ns if path and path.exists() else None)


@lru_cache(maxsize=8)
def _policy_zone(path: Path | None, _mtime: int | None) -> ZoneInfo:
    return (load_policy(path) if path else Policy()).zone
