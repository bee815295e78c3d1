"""Compile obligations into deployment specs: names, descriptions, tags, exact schedules.

A spec is plain data (no Prefect objects) so it can be compared, printed, written to
``prefect.yaml`` and tested without a server. The schedule is the list of the plan's issue
times (send hour, roadmap time zone, working days) as RDATEs — what Prefect shows as upcoming
runs IS the calendar.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kontrol.config import Rules
from kontrol.errors import KontrolError
from kontrol.issuing import obligation_occurrences, recipients
from kontrol.lookup import obligations_of, roadmap_ref
from kontrol.models import Body, ItemExecutor, Obligation, Roadmap
from kontrol.naming import RUN_SEPARATOR, deployment_name
from kontrol.roadmap.events import EventCatalogue
from kontrol.roadmap.occurrences import Occurrence

RDATES_PER_RULE = 300  # 16 characters each: well under Prefect's 6,500-character limit
FREQUENCY_WORDS = {
    "yearly": "ежегодно",
    "half_yearly": "раз в полугодие",
    "quarterly": "ежеквартально",
    "monthly": "ежемесячно",
    "weekly": "еженедельно",
    "daily": "ежедневно",
    "every_n_years": "раз в несколько лет",
}
KIND_WORDS = {
    "once": "однократно",
    "recurring": "регулярно",
    "ongoing": "постоянно",
    "on_demand": "по мере необходимости",
    "on_event": "по событию",
}


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    obligation: str
    roadmap: str
    kind: str
    description: str
    tags: tuple[str, ...]
    timezone: str
    issue_times: tuple[dt.datetime, ...] = field(default=())  # aware, in ``timezone``
    catch_up: tuple[str, ...] = field(default=())  # occurrence keys to issue at once
    event: str | None = None  # on_event: the catalogue id whose Prefect event runs it

    @property
    def parameters(self) -> dict[str, str]:
        return {"roadmap": self.roadmap, "obligation": self.obligation}

    @property
    def trigger(self) -> dict[str, Any] | None:
        """The deployment trigger of an on_event obligation (DeploymentEventTrigger fields).

        One run per recorded event (``for_each`` its resource, ``kontrol.event.<row id>``);
        the parameters are Jinja templates Prefect renders from the triggering event.
        """
        if self.event is None:
            return None
        return {
            "name": f"{self.roadmap} {self.obligation}: kontrol.event.{self.event}",
            "expect": [f"kontrol.event.{self.event}"],
            "match": {"prefect.resource.id": "kontrol.event.*"},
            "for_each": ["prefect.resource.id"],
            "posture": "Reactive",
            "threshold": 1,
            "parameters": {
                **self.parameters,
                "event": "{{ event.payload.event_id }}",  # = event.id, as a string
                "event_time": "{{ event.payload.occurred_at }}",
                "body": "{{ (event.resource.get('kontrol.body') or '') }}",
                "ref": "{{ event.payload.ref }}",
                "note": "{{ event.payload.note }}",
            },
        }

    def rrules(self) -> list[str]:
        """RDATE rules in local time (Prefect localises RDATEs to the schedule's time zone)."""
        stamps = [t.strftime("%Y%m%dT%H%M%S") for t in self.issue_times]
        return [
            "RDATE:" + ",".join(stamps[i : i + RDATES_PER_RULE])
            for i in range(0, len(stamps), RDATES_PER_RULE)
        ]


def issue_time(occ: Occurrence, rules: Rules) -> dt.datetime:
    tz = ZoneInfo(rules.policy.timezone)
    return dt.datetime.combine(occ.issue_on, rules.policy.send_hour, tzinfo=tz)


def compile_roadmap(
    session: Session,
    roadmap: Roadmap,
    rules: Rules,
    *,
    now: dt.datetime,
    events: EventCatalogue | None,
    backfill: bool = False,
    prefix: str | None = None,
) -> list[DeploymentSpec]:
    """The specs of every obligation; ``events`` is the catalogue on_event ones count from;
    ``prefix`` what the names start with (the decree's number, ``name_prefixes``)."""
    return [
        compile_obligation(
            session, ob, rules, now=now, events=events, backfill=backfill, prefix=prefix
        )
        for ob in obligations_of(session, roadmap)
    ]


def name_prefixes(roadmaps: Sequence[Roadmap], every: Sequence[Roadmap]) -> dict[int, str]:
    """What a deployment name starts with: the decree's number («1302-б»), or number and date
    where another imported decree (``every``) has the same number — two never collide."""
    numbers = Counter(r.number for r in every)
    return {r.id: r.number if numbers[r.number] == 1 else roadmap_ref(r) for r in roadmaps}


def roadmap_tag(roadmap: Roadmap) -> str:
    """The tag every deployment of a roadmap carries (and by which stale ones are found)."""
    return f"№ {roadmap_ref(roadmap)}"


def compile_obligation(
    session: Session,
    ob: Obligation,
    rules: Rules,
    *,
    now: dt.datetime,
    events: EventCatalogue | None,
    backfill: bool = False,
    prefix: str | None = None,
) -> DeploymentSpec:
    """``catch_up``: occurrences issued on paper before ``now`` and not yet due (with
    ``backfill``, also those wholly past) — to be issued at once when first deployed.
    An on_event obligation gets its catalogue event from ``events`` (KONTROL_EVENTS)."""
    event = _event_of(ob, events) if ob.kind == "on_event" else None
    roadmap = ob.item.roadmap
    occs = obligation_occurrences(ob, rules)
    scheduled = [o for o in occs if o.state == "scheduled"]
    future = tuple(t for o in scheduled if (t := issue_time(o, rules)) >= now)
    catch_up = tuple(
        o.key
        for o in scheduled
        if issue_time(o, rules) < now and (backfill or now <= _due_end(o, rules))
    )
    return DeploymentSpec(
        name=f"{prefix or roadmap.number}{RUN_SEPARATOR}{deployment_name(ob)}",
        obligation=ob.key,
        roadmap=roadmap_ref(roadmap),
        kind=ob.kind,
        description=describe(session, ob, scheduled),
        tags=tags_of(ob),
        timezone=rules.policy.timezone,
        issue_times=() if ob.kind in ("on_demand", "on_event") else future,
        catch_up=catch_up,
        event=event,
    )


def _event_of(ob: Obligation, events: EventCatalogue | None) -> str:
    """The catalogue id an on_event obligation is counted from (an error when unresolved)."""
    from kontrol.event_issuing import phase_of, resolve_phase_event

    if events is None:
        raise KontrolError("no event catalogue: set KONTROL_EVENTS to the events.yaml file")
    phase = phase_of(ob.item.number, ob.item.schedule_text, ob.phase_index)
    assert phase is not None and phase.event is not None
    return resolve_phase_event(phase, events, ob.key)


def _due_end(occ: Occurrence, rules: Rules) -> dt.datetime:
    tz = ZoneInfo(rules.policy.timezone)
    return dt.datetime.combine(occ.due_on + dt.timedelta(days=1), dt.time(0), tzinfo=tz)


def tags_of(ob: Obligation) -> tuple[str, ...]:
    item = ob.item
    tags = ["kontrol", roadmap_tag(item.roadmap), f"раздел {item.number.split('.')[0]}"]
    tags.append(FREQUENCY_WORDS.get(ob.frequency or "", KIND_WORDS.get(ob.kind, ob.kind)))
    if ob.label:
        tags.append(f"этап: {ob.label}")
    if ob.flags:
        tags.append("по отдельному плану")
    return tuple(dict.fromkeys(tags))


def describe(session: Session, ob: Obligation, scheduled: list[Occurrence]) -> str:
    """Markdown for the deployment page: the activity, its schedule and who answers for it."""
    item = ob.item
    lead = [e for e in item.executors if e.role == "lead"]
    co = [e for e in item.executors if e.role != "lead"]
    members = len(recipients(session, item))
    lines = [
        f"### {item.number}. {item.title}",
        "",
        f"**{item.roadmap.kind.capitalize()}** № {item.roadmap.number} "
        f"от {item.roadmap.adopted_on:%d.%m.%Y}",
        "",
        f"**Сроки реализации:** {item.schedule_text}",
    ]
    if ob.label:
        lines += ["", f"**Этап:** {ob.label}"]
    lines += [
        "",
        f"- **Ответственный исполнитель:** {_names(session, lead)}",
        f"- **Соисполнители:** {_names(session, co) or '—'}",
        f"- **Получателей поручений:** {members}",
    ]
    for flag in ob.flags:
        lines.append(f"- **Примечание:** {flag}")
    if scheduled:
        first, last = scheduled[0], scheduled[-1]
        lines += [
            "",
            f"**Периодов в плане:** {len(scheduled)} "
            f"(с {first.issue_on:%d.%m.%Y} по {last.due_on:%d.%m.%Y})",
        ]
    elif ob.kind == "on_demand":
        lines += ["", "Запускается вручную: `kontrol run` или кнопка «Run» в Prefect."]
    elif ob.kind == "on_event":
        lines += ["", "Запускается событием (`kontrol event emit` или POST /api/events)."]
    return "\n".join(lines)


def _names(session: Session, executors: list[ItemExecutor]) -> str:
    names = []
    for e in executors:
        body = session.get(Body, e.body_id)
        names.append(body.name if body else e.body_id)
    return "; ".join(names)
