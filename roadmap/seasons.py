"""Seasons in schedules: «в течение купального сезона» takes its dates from the policy.

The parser knows a season by name only (``Window.season``, ``Deadline.season``); the dates are
the region's, in the policy (``Policy.seasons``), and are filled in here when a phase is
expanded.  A season the policy lacks is a schedule error naming the policy key to add.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from kontrol.roadmap.errors import ScheduleValueError
from kontrol.roadmap.policy import Policy, Season
from kontrol.roadmap.schedule.model import Deadline, Phase, Window
from kontrol.roadmap.schedule.vocabulary import SEASON_NAMES

__all__ = ["check_seasons", "resolve_seasons"]


def _season(key: str, policy: Policy) -> Season:
    season = policy.seasons.get(key)
    if season is None:
        raise ScheduleValueError(
            f"the policy defines no «{SEASON_NAMES.get(key, key)}»: add "
            f"seasons.{key} (start and end as MM-DD) to the policy file"
        )
    return season


def _window(key: str, policy: Policy) -> Window:
    (sm, sd), (em, ed) = _season(key, policy).bounds()
    offset = 1 if (em, ed) < (sm, sd) else 0
    return Window(f"S-{key}", sm, sd, em, ed, offset, season=key)


def _before(key: str, policy: Policy) -> Deadline:
    """The day before the season starts (in a common year: 1 March → 28 February)."""
    (sm, sd), _end = _season(key, policy).bounds()
    day = date(2001, sm, sd) - timedelta(days=1)
    return Deadline(day=day.day, month=day.month)


def resolve_seasons(phase: Phase, policy: Policy) -> Phase:
    """The phase with its seasons' dates filled in from the policy."""
    if not any(w.season for w in phase.windows) and not any(d.season for d in phase.deadlines):
        return phase
    return replace(
        phase,
        windows=tuple(_window(w.season, policy) if w.season else w for w in phase.windows),
        deadlines=tuple(_before(d.season, policy) if d.season else d for d in phase.deadlines),
    )


def check_seasons(phases: tuple[Phase, ...], policy: Policy) -> None:
    """Raise the error of the first season the policy lacks."""
    for phase in phases:
        resolve_seasons(phase, policy)
