"""The compiled calendar of an imported roadmap: every occurrence with its bodies and dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kontrol.config import Rules
from kontrol.issuing import obligation_occurrences, recipients
from kontrol.lookup import obligations_of, roadmap_ref
from kontrol.models import Body, Roadmap
from kontrol.naming import ascii_key, body_label, deployment_name
from kontrol.roadmap.occurrences import co_executor_due


@dataclass(frozen=True)
class PlanExecutor:
    body_id: str
    name: str
    role: str
    due_on: dt.date


@dataclass(frozen=True)
class PlanRow:
    item: str
    obligation: str
    phase: str | None
    name: str
    kind: str
    key: str
    period_start: dt.date
    period_end: dt.date
    issue_on: dt.date
    due_on: dt.date
    state: str
    executors: tuple[PlanExecutor, ...]
    recipients: tuple[str, ...]  # group members expanded
    roadmap: str = ""  # «1302-б от 27.07.2020» (``lookup.roadmap_ref``)
    roadmap_number: str = ""
    time: dt.time | None = None  # the time of day the phrase wrote with its date

    @property
    def time_words(self) -> str | None:
        """«10:00», or None: the time on the period's (last) day, as the phrase wrote it."""
        return None if self.time is None else f"{self.time:%H:%M}"

    @property
    def uid(self) -> str:
        """Stable across exports and unique across roadmaps."""
        ob = self.obligation.replace("/", "-p")
        return f"{ascii_key(self.roadmap, ob, self.key)}@kontrol"

    def to_json(self) -> dict[str, object]:
        return {
            "roadmap": self.roadmap,
            "item": self.item,
            "obligation": self.obligation,
            "phase": self.phase,
            "name": self.name,
            "kind": self.kind,
            "key": self.key,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "issue_on": self.issue_on.isoformat(),
            "due_on": self.due_on.isoformat(),
            "time": self.time_words,
            "state": self.state,
            "lead": [e.body_id for e in self.executors if e.role == "lead"],
            "co_executors": [
                {"body": e.body_id, "due_on": e.due_on.isoformat()}
                for e in self.executors
                if e.role != "lead"
            ],
            "recipients": len(self.recipients),
        }


def plan_rows(
    session: Session,
    roadmap: Roadmap,
    rules: Rules,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    item: str | None = None,
    body: str | None = None,
) -> list[PlanRow]:
    """Occurrences whose period overlaps [start, end], optionally for one item or one body."""
    rows: list[PlanRow] = []
    for ob in obligations_of(session, roadmap):
        if item and ob.item.number != item and not ob.item.number.startswith(item + "."):
            continue
        who = recipients(session, ob.item)
        if (
            body
            and body not in {r.body_id for r in who}
            and body not in {e.body_id for e in ob.item.executors}
        ):
            continue
        for occ in obligation_occurrences(ob, rules):
            if (start and occ.period_end < start) or (end and occ.period_start > end):
                continue
            co_due = max(occ.issue_on, co_executor_due(occ.due_on, rules.policy, rules.calendar))
            executors = tuple(
                PlanExecutor(
                    e.body_id,
                    _name(session, e.body_id),
                    e.role,
                    occ.due_on if e.role == "lead" else co_due,
                )
                for e in ob.item.executors
            )
            rows.append(
                PlanRow(
                    item=ob.item.number,
                    obligation=ob.key,
                    phase=ob.label,
                    name=deployment_name(ob),
                    kind=ob.kind,
                    key=occ.key,
                    period_start=occ.period_start,
                    period_end=occ.period_end,
                    issue_on=occ.issue_on,
                    due_on=occ.due_on,
                    state=occ.state,
                    executors=executors,
                    recipients=tuple(r.body_id for r in who),
                    roadmap=roadmap_ref(roadmap),
                    roadmap_number=roadmap.number,
                    time=occ.time,
                )
            )
    return rows


def _name(session: Session, body_id: str) -> str:
    b = session.get(Body, body_id)
    return body_label(b) if b else body_id


def to_ics(
    rows: list[PlanRow],
    roadmaps: Sequence[Roadmap],
    *,
    now: dt.datetime,
    zone: dt.tzinfo | None = None,
) -> bytes:
    """One all-day event per occurrence on its due date; UIDs stable across exports.

    An occurrence with a time of day («22 июня 10.00 ч.») is an event at that time on the day
    the phrase named (the period's last day, in ``zone``, the policy's), not an all-day one."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//kontrol//roadmap plan//RU")
    cal.add("version", "2.0")
    numbers = ", ".join(f"№ {r.number}" for r in roadmaps)
    cal.add("x-wr-calname", f"Дорожн{'ая карта' if len(roadmaps) == 1 else 'ые карты'} {numbers}")
    for r in rows:
        ev = Event()
        ev.add("uid", r.uid)
        ev.add("dtstamp", now)
        if r.time is None:
            ev.add("dtstart", r.due_on)
            ev.add("dtend", r.due_on + dt.timedelta(days=1))
        else:  # no end: the phrase gives the start only
            ev.add("dtstart", dt.datetime.combine(r.period_end, r.time, tzinfo=zone))
        ev.add("summary", f"Срок: {r.name}")
        lead = ", ".join(e.name for e in r.executors if e.role == "lead")
        co = "; ".join(
            f"{e.name} (до {e.due_on:%d.%m.%Y})" for e in r.executors if e.role != "lead"
        )
        ev.add(
            "description",
            f"Период: {r.period_start:%d.%m.%Y}–{r.period_end:%d.%m.%Y}\n"
            + (f"Время: {r.time_words}\n" if r.time else "")
            + f"Выдача поручений: {r.issue_on:%d.%m.%Y}\n"
            + f"Срок исполнения: {r.due_on:%d.%m.%Y}\n"
            f"Ответственный исполнитель: {lead}\n" + (f"Соисполнители: {co}\n" if co else ""),
        )
        ev.add("categories", [f"№ {r.roadmap_number}", f"п. {r.item}"])
        if r.state == "before_adoption":
            ev.add("status", "CANCELLED")
        cal.add_component(ev)
    return cal.to_ical()
