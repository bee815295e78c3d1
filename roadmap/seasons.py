"""Seasons in schedules: «в течение купального сезона» takes its dates from the policy.

The parser knows a season by name only (``Window.season``, ``Deadline.season``); the dates are
the region's, in the policy (``Policy.seasons``), and are filled in here when a phase is
expanded.  A season the policy lacks is a schedule error naming the policy key to add.

«Месячник» is the plan's own: «План проведения месячника безопасности … с 1 по 30 апреля»
gives its dates in the title (``plan_policy``), unless the policy sets ``seasons.campaign``.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import replace
from datetime import date, timedelta

from kontrol.roadmap.errors import ScheduleValueError
from kontrol.roadmap.policy import Policy, Season
from kontrol.roadmap.schedule.model import Deadline, Phase, Window
from kontrol.roadmap.schedule.normalisation import normalise
from kontrol.roadmap.schedule.vocabulary import SEASON_NAMES, month_of

__all__ = ["campaign_of", "check_seasons", "plan_policy", "resolve_seasons"]

_M = r"(?:январ|феврал|март|апрел|ма[йяею]|июн|июл|август|сентябр|октябр|ноябр|декабр)[а-я]*"
_TILL = r"\s*(?:-|по|до)\s*"
# «с 1 по 30 апреля», «1-30 апреля», «с 15 мая по 15 июня», «с 01.10.2018 по 01.11.2018»
_DAYS = re.compile(rf"(\d{{1,2}})(?:\s+({_M}))?{_TILL}(\d{{1,2}})\s+({_M})")
_DOTS = re.compile(
    rf"(\d{{1,2}})\.(\d{{1,2}})(?:\.\d{{2,4}})?\s*(?:г\.|года)?{_TILL}(\d{{1,2}})\.(\d{{1,2}})"
)
_MONTH = re.compile(rf"(?<![а-я])({_M})")


def _season(key: str, policy: Policy) -> Season:
    season = policy.seasons.get(key)
    if season is None and key == "campaign":
        raise ScheduleValueError(
            "the plan's title names no dates of its «месячник»: write them there («… с 1 по 30 "
            "апреля») or add seasons.campaign (start and end as MM-DD) to the policy file"
        )
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


def campaign_of(title: str) -> Season | None:
    """The dates of the «месячник» a plan's title names, or None (no month or days in it)."""
    text = normalise(title)
    if "месячник" not in text:
        return None
    if m := _DAYS.search(text):
        end_month = month_of(m.group(4))
        start_month = month_of(m.group(2)) if m.group(2) else end_month
        start, end = (start_month, int(m.group(1))), (end_month, int(m.group(3)))
    elif m := _DOTS.search(text):
        start, end = (int(m.group(2)), int(m.group(1))), (int(m.group(4)), int(m.group(3)))
    elif m := _MONTH.search(text[text.index("месячник") :]):  # «месячник … в апреле»
        month = month_of(m.group(1))
        start, end = (month, 1), (month, monthrange(2001, month)[1])
    else:
        return None
    try:
        return Season(start=f"{start[0]:02d}-{start[1]:02d}", end=f"{end[0]:02d}-{end[1]:02d}")
    except ValueError:  # «с 31 по 35 апреля»: no dates a clerk would accept
        return None


def plan_policy(policy: Policy, *titles: str) -> Policy:
    """The policy with the «месячник» of the plan's title, when the policy sets none."""
    if "campaign" in policy.seasons:
        return policy
    season = next((s for t in titles if t and (s := campaign_of(t)) is not None), None)
    if season is None:
        return policy
    return policy.replace(seasons={**policy.seasons, "campaign": season})
