"""Timing and escalation settings (policy), validated so a bad file fails with file and field.

Each concern is its own small model so later modules can add fields without touching others;
every model forbids unknown keys, so a typo in the policy file is an error, not a silent default.
"""

from __future__ import annotations

import re
from datetime import date, time
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from msgspec import Meta, Struct, field
from msgspec.structs import force_setattr

from kontrol.roadmap.checked import located, words
from kontrol.roadmap.errors import PolicyError

__all__ = ["DEFAULT_SEASONS", "Policy", "RulePack", "Season", "load_policy"]


def _within(low: int, high: int) -> Meta:
    return Meta(ge=low, le=high)


class RulePack(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A region's due-date rules that override «due on the last day of the period»."""

    name: str = "region"
    # quarterly / monthly / half-yearly reports: due on this day of the month after the period
    report_due_day_next_month: Annotated[int, _within(1, 28)] | None = 10
    # ongoing work: reported by this day and month of the next year (20 January)
    ongoing_due_month: Annotated[int, _within(1, 12)] | None = 1
    ongoing_due_day: Annotated[int, _within(1, 28)] | None = 20


class Season(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A season a plan names («купальный сезон»): its first and last day as MM-DD each year.

    ``default`` marks the shipped dates, which a region should check against its own acts; a
    season whose end comes before its start runs across the New Year.
    """

    start: str
    end: str
    default: bool = False

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            force_setattr(self, name, _month_day(getattr(self, name)))

    def bounds(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """((month, day) of the start, (month, day) of the end)."""
        sm, sd = (int(x) for x in self.start.split("-"))
        em, ed = (int(x) for x in self.end.split("-"))
        return (sm, sd), (em, ed)


def _month_day(value: str) -> str:
    try:
        month, day = (int(x) for x in value.split("-"))
        date(2000, month, day)  # 2000: 29 February exists
    except ValueError:
        raise ValueError(f"{value!r} is not a day of the year written MM-DD") from None
    return f"{month:02d}-{day:02d}"


# shipped defaults, typical of central Russia: a region sets its own in the policy file
DEFAULT_SEASONS = {
    "swimming": Season(start="06-01", end="08-31", default=True),
    "fire": Season(start="04-01", end="10-31", default=True),
    "heating": Season(start="10-01", end="04-30", default=True),
    "flood": Season(start="03-15", end="05-31", default=True),
    "school_year": Season(start="09-01", end="05-31", default=True),
    "summer_holidays": Season(start="06-01", end="08-31", default=True),
    "exams": Season(start="05-20", end="07-10", default=True),
    "navigation": Season(start="05-01", end="10-31", default=True),
}


class Policy(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The settings of timing and escalation; every number configurable (docs/policy.md).

    A msgspec struct, not a pydantic model: every command builds one, and pydantic took 0.07 s
    of each to import and build its validators (issue 20). ``load_policy`` checks a file's
    types and bounds; the rules between fields are checked on every construction."""

    timezone: str = "Europe/Moscow"
    send_hour: time = time(9, 0)
    ongoing_cadence: Literal["year", "half_year", "quarter"] = "year"
    nonworking_due: Literal["preceding", "following"] = "preceding"
    rule_pack: RulePack | None = None
    deadline_lead_days: Annotated[int, _within(0, 366)] = 30
    co_executor_lead: Annotated[int, _within(0, 60)] = 5
    reminders: tuple[int, ...] = (5, 1)
    overdue_notice_after: Annotated[int, _within(0, 60)] = 1
    escalate_curator_after: Annotated[int, _within(1, 366)] = 5
    escalate_controller_after: Annotated[int, _within(1, 366)] = 10
    # event-relative obligations: the term when the phrase names none («по факту …»)
    event_default_offset_days: Annotated[int, _within(0, 366)] = 5
    event_default_unit: Literal["days", "working_days"] = "working_days"
    # an event may be dated this far after the moment it is received (clock skew), not more
    event_future_tolerance_minutes: Annotated[int, _within(0, 1440)] = 10
    monitoring_month: Annotated[int, _within(1, 12)] = 2  # the annual report (item 6.3)
    monitoring_day: Annotated[int, _within(1, 28)] = 1
    # seasons a plan names («до начала купального сезона»); a file's `seasons` replaces these
    seasons: dict[str, Season] = field(default_factory=lambda: dict(DEFAULT_SEASONS))

    def __post_init__(self) -> None:
        force_setattr(self, "send_hour", _hour(self.send_hour))
        force_setattr(self, "reminders", tuple(self.reminders))
        _check_zone(self.timezone)
        _check_ladder(self.reminders)
        if self.escalate_curator_after >= self.escalate_controller_after:
            raise ValueError("escalate_curator_after must be less than escalate_controller_after")
        if self.overdue_notice_after > self.escalate_curator_after:
            raise ValueError("overdue_notice_after must not exceed escalate_curator_after")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def replace(self, **changes: object) -> Policy:
        """A copy with ``changes`` (checked as a new policy is)."""
        return msgspec.structs.replace(self, **changes)


class _FieldError(Exception):
    """A rule of one field broken: ``load_policy`` names the field (not a ValueError, which
    msgspec would turn into a ValidationError without it)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _check_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise _FieldError("timezone", f"unknown time zone {value!r}") from None


def _check_ladder(value: tuple[int, ...]) -> None:
    if any(v <= 0 for v in value):
        raise _FieldError("reminders", "reminders must be positive working-day counts")
    if any(a <= b for a, b in pairwise(value)):
        raise _FieldError("reminders", "reminders must be strictly descending, e.g. [5, 1]")


def _hour(value: object) -> time:
    """Accept 9, "9", "09:00" — people write the hour either way."""
    if isinstance(value, time):
        return value
    if isinstance(value, bool):
        raise _FieldError("send_hour", "send_hour must be an hour (0-23) or HH:MM")
    if isinstance(value, int):
        if not 0 <= value <= 23:
            raise _FieldError("send_hour", "send_hour must be between 0 and 23")
        return time(value, 0)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return _hour(int(text))
        try:
            return time.fromisoformat(text)
        except ValueError:
            pass
    raise _FieldError("send_hour", f"send_hour must be an hour (0-23) or HH:MM, not {value!r}")


def load_policy(path: Path | str | None) -> Policy:
    """The policy from a YAML file, or the defaults when ``path`` is None."""
    if path is None:
        return Policy()
    from kontrol.roadmap.yamlfile import load  # YAML only for a policy file: most have none

    file = str(path)
    data = load(path, "policy", PolicyError)
    if data is None:
        return Policy()
    if not isinstance(data, dict):
        raise PolicyError("policy must be a mapping of settings", file=file)
    try:
        return msgspec.convert(_prepared(data), Policy, strict=False)
    except _FieldError as exc:
        raise _invalid(file, exc.name, str(exc), _at(data, exc.name)) from None
    except (msgspec.ValidationError, ValueError) as exc:
        field, message = _where(str(exc))
        raise _invalid(file, field, message, _at(data, field)) from None


def _prepared(data: dict[str, object]) -> dict[str, object]:
    """What msgspec cannot say itself: the hour in people's forms (it reads a time with its
    seconds only), and each season converted on its own, so that an error names the season
    (msgspec writes a mapping's key as «[...]»)."""
    data = dict(data)
    for key in data:
        if not isinstance(key, str):  # «1: 2»: no setting has such a name
            raise _FieldError(str(key), "unknown setting")
    if "send_hour" in data:
        data["send_hour"] = _hour(data["send_hour"]).isoformat()
    seasons = data.get("seasons")
    if isinstance(seasons, dict):
        data["seasons"] = {name: _season(name, value) for name, value in seasons.items()}
    return data


def _season(name: object, value: object) -> Season:
    if isinstance(value, dict):  # a day that is no day named with its field, and its value
        for key in ("start", "end"):
            if isinstance(value.get(key), str):
                try:
                    _month_day(value[key])
                except ValueError as exc:
                    raise _FieldError(f"seasons.{name}.{key}", str(exc)) from None
    try:
        return msgspec.convert(value, Season, strict=False)
    except (msgspec.ValidationError, ValueError) as exc:
        field, message = _where(str(exc), f"seasons.{name}")
        raise _FieldError(field, message) from None


def _where(message: str, within: str = "") -> tuple[str, str]:
    """(the field's dotted path, the words) of msgspec's «words - at `$.a.b`»; a rule between
    fields, or an unknown key, is the policy's (or the season's, ``within``)."""
    said, path = located(message)
    path = re.sub(r"\[\d+\]", "", path)  # «reminders[0]»: the field is the list
    dotted = ".".join(filter(None, (within, path.lstrip("."))))
    if said.startswith(_UNKNOWN):
        name = said.removeprefix(_UNKNOWN).rstrip("`")
        return ".".join(filter(None, (dotted, name))), "unknown setting"
    missing = re.match(r"^Object missing required field `(\w+)`$", said)
    if missing:
        return ".".join(filter(None, (dotted, missing[1]))), "required"
    return dotted or "policy", words(said, _kind_at(dotted))


_UNKNOWN = "Object contains unknown field `"


def _kind_at(dotted: str) -> Any:
    """The type of the field at ``dotted`` («rule_pack.ongoing_due_day»), for its words."""
    owner: Any = Policy
    kind: Any = None
    for part in dotted.split("."):
        hints = get_type_hints(owner, include_extras=True) if isinstance(owner, type) else {}
        kind = hints.get(part)
        owner = next((a for a in get_args(kind) if isinstance(a, type)), kind)
    return kind


def _at(data: object, dotted: str) -> object:
    for part in dotted.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _invalid(file: str, field: str, message: str, value: object) -> PolicyError:
    return PolicyError(
        f"invalid value for '{field}': {message}",
        file=file,
        text=None if value is None else repr(value)[:80],
    )
