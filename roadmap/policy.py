"""Timing and escalation settings (policy), validated so a bad file fails with file and field.

Each concern is its own small model so later modules can add fields without touching others;
every model forbids unknown keys, so a typo in the policy file is an error, not a silent default.
"""

from __future__ import annotations

from datetime import date, time
from itertools import pairwise
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kontrol.roadmap.errors import PolicyError

__all__ = ["DEFAULT_SEASONS", "Policy", "RulePack", "Season", "load_policy"]


class RulePack(BaseModel):
    """A region's due-date rules that override «due on the last day of the period»."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "region"
    # quarterly / monthly / half-yearly reports: due on this day of the month after the period
    report_due_day_next_month: int | None = Field(default=10, ge=1, le=28)
    # ongoing work: reported by this day and month of the next year (20 January)
    ongoing_due_month: int | None = Field(default=1, ge=1, le=12)
    ongoing_due_day: int | None = Field(default=20, ge=1, le=28)


class Season(BaseModel):
    """A season a plan names («купальный сезон»): its first and last day as MM-DD each year.

    ``default`` marks the shipped dates, which a region should check against its own acts; a
    season whose end comes before its start runs across the New Year.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: str
    end: str
    default: bool = False

    @field_validator("start", "end")
    @classmethod
    def _month_day(cls, value: str) -> str:
        try:
            month, day = (int(x) for x in value.split("-"))
            date(2000, month, day)  # 2000: 29 February exists
        except ValueError:
            raise ValueError(f"{value!r} is not a day of the year written MM-DD") from None
        return f"{month:02d}-{day:02d}"

    def bounds(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """((month, day) of the start, (month, day) of the end)."""
        sm, sd = (int(x) for x in self.start.split("-"))
        em, ed = (int(x) for x in self.end.split("-"))
        return (sm, sd), (em, ed)


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


class Policy(BaseModel):
    """The settings of timing and escalation; every number configurable (docs/policy.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "Europe/Moscow"
    send_hour: time = time(9, 0)
    ongoing_cadence: Literal["year", "half_year", "quarter"] = "year"
    nonworking_due: Literal["preceding", "following"] = "preceding"
    rule_pack: RulePack | None = None
    deadline_lead_days: int = Field(default=30, ge=0, le=366)
    co_executor_lead: int = Field(default=5, ge=0, le=60)
    reminders: tuple[int, ...] = (5, 1)
    overdue_notice_after: int = Field(default=1, ge=0, le=60)
    escalate_curator_after: int = Field(default=5, ge=1, le=366)
    escalate_controller_after: int = Field(default=10, ge=1, le=366)
    # event-relative obligations: the term when the phrase names none («по факту …»)
    event_default_offset_days: int = Field(default=5, ge=0, le=366)
    event_default_unit: Literal["days", "working_days"] = "working_days"
    # an event may be dated this far after the moment it is received (clock skew), not more
    event_future_tolerance_minutes: int = Field(default=10, ge=0, le=1440)
    monitoring_month: int = Field(default=2, ge=1, le=12)  # the annual report (item 6.3)
    monitoring_day: int = Field(default=1, ge=1, le=28)
    # seasons a plan names («до начала купального сезона»); a file's `seasons` replaces these
    seasons: dict[str, Season] = Field(default_factory=lambda: dict(DEFAULT_SEASONS))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("send_hour", mode="before")
    @classmethod
    def _hour(cls, value: object) -> object:
        """Accept 9, "9", "09:00" — people write the hour either way."""
        if isinstance(value, bool):
            raise ValueError("send_hour must be an hour (0-23) or HH:MM")
        if isinstance(value, int):
            if not 0 <= value <= 23:
                raise ValueError("send_hour must be between 0 and 23")
            return time(value, 0)
        if isinstance(value, str) and value.strip().isdigit():
            return cls._hour(int(value.strip()))
        return value

    @field_validator("reminders")
    @classmethod
    def _ladder(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(v <= 0 for v in value):
            raise ValueError("reminders must be positive working-day counts")
        if any(a <= b for a, b in pairwise(value)):
            raise ValueError("reminders must be strictly descending, e.g. [5, 1]")
        return value

    @model_validator(mode="after")
    def _escalation_order(self) -> Policy:
        if self.escalate_curator_after >= self.escalate_controller_after:
            raise ValueError("escalate_curator_after must be less than escalate_controller_after")
        if self.overdue_notice_after > self.escalate_curator_after:
            raise ValueError("overdue_notice_after must not exceed escalate_curator_after")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_policy(path: Path | str | None) -> Policy:
    """The policy from a YAML file, or the defaults when ``path`` is None."""
    if path is None:
        return Policy()
    file = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"cannot read policy: {exc.strerror}", file=file) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy is not valid YAML: {exc}", file=file) from None
    if data is None:
        return Policy()
    if not isinstance(data, dict):
        raise PolicyError("policy must be a mapping of settings", file=file)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "policy"
        raise PolicyError(
            f"invalid value for '{field}': {first['msg']}",
            file=file,
            text=None if first["type"] == "missing" else repr(first.get("input"))[:80],
        ) from None
