"""A decree declared void («утратило силу»): its plan stops, its open work is cancelled once.

The day may lie ahead («признать утратившим силу с 1 января 2027 года»): the roadmap is in force
until then, its plan (and so its Prefect schedules) ends the day before, and the daily sweep
cancels what is still open when the day comes. Cancelling is applied once
(``Roadmap.retirement_applied_at``) and each executor hears of it in one mail listing every
assignment of that decree it no longer owes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from kontrol.assignments import cancel
from kontrol.errors import KontrolError
from kontrol.lookup import roadmap_ref
from kontrol.mail import compose
from kontrol.mail.mailer import Mailer, body_addresses, curator_address
from kontrol.mail.outbox import Letter, enqueue
from kontrol.mail.render import assignment_data, body_name, roadmap_fields
from kontrol.mail.russian import void_words
from kontrol.models import Assignment, Body, Item, Obligation, OutboxMessage, Roadmap
from kontrol.models.assignment import OPEN_STATUSES
from kontrol.windows import roadmap_window


@dataclass(frozen=True)
class Retired:
    roadmap: str
    retired_on: dt.date
    reason: str
    changed: bool  # False: it was already declared void so, nothing done
    applied: bool  # the day has come: the open work is cancelled
    cancelled: tuple[int, ...] = ()
    told: tuple[str, ...] = ()  # the bodies mailed

    def to_json(self) -> dict[str, object]:
        return {
            "roadmap": self.roadmap,
            "retired_on": self.retired_on,
            "reason": self.reason,
            "changed": self.changed,
            "applied": self.applied,
            "cancelled": list(self.cancelled),
            "told": list(self.told),
        }


def declare_void(
    session: Session,
    roadmap: Roadmap,
    *,
    on: dt.date,
    reason: str,
    today: dt.date,
    now: dt.datetime,
    mailer: Mailer,
    actor: str,
) -> Retired:
    """Record the decree void from ``on``; cancel its open work at once when ``on`` has come.
    The same call again changes nothing; another day or reason after the work was cancelled
    is refused (the executors were told)."""
    reason = " ".join(reason.split())
    if not reason:
        raise KontrolError("--reason must not be empty: say which decree declared it void")
    _check_day(roadmap, on, today)
    same = roadmap.retired_on == on and roadmap.retired_reason == reason
    if roadmap.retirement_applied_at is not None and not same:
        raise KontrolError(
            f"№ {roadmap_ref(roadmap)} is void since {roadmap.retired_on:%d.%m.%Y} "
            f"({roadmap.retired_reason}) and its executors were told: nothing changed"
        )
    roadmap.retired_on, roadmap.retired_reason = on, reason
    cancelled: tuple[int, ...] = ()
    told: tuple[str, ...] = ()
    if on <= today:
        cancelled, told = apply_retirement(session, roadmap, now=now, mailer=mailer, actor=actor)
    return Retired(
        roadmap_ref(roadmap),
        on,
        reason,
        not same,
        roadmap.retirement_applied_at is not None,
        cancelled,
        told,
    )


def _check_day(roadmap: Roadmap, on: dt.date, today: dt.date) -> None:
    """Void from a day of its life: not before its adoption, and a day ahead only within its
    window (past its horizon nothing is left to stop)."""
    window = roadmap_window(roadmap)
    if on < roadmap.adopted_on or (on > today and on not in window):
        raise KontrolError(
            f"--on {on:%d.%m.%Y}: № {roadmap_ref(roadmap)} can be declared void from its "
            f"adoption day up to today, or a later day up to {window.last:%d.%m.%Y}"
        )


def apply_retirement(
    session: Session, roadmap: Roadmap, *, now: dt.datetime, mailer: Mailer, actor: str
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Cancel every open assignment of a void roadmap and tell each executor once."""
    if roadmap.retirement_applied_at is not None or roadmap.retired_on is None:
        return (), ()
    why = (
        f"{roadmap.kind.lower()} № {roadmap.number} от {roadmap.adopted_on:%d.%m.%Y} "
        f"{void_words(roadmap.kind)} с {roadmap.retired_on:%d.%m.%Y}: {roadmap.retired_reason}"
    )
    why = why[0].upper() + why[1:]
    by_body: dict[str, list[Assignment]] = defaultdict(list)
    for a in open_assignments(session, roadmap):
        try:
            cancel(session, a.id, reason=why, now=now, actor=actor)
        except KontrolError:  # reported done since it was read: the report stands
            continue
        by_body[a.body_id].append(a)
    for body_id, cancelled in by_body.items():
        body = session.get(Body, body_id)
        assert body is not None
        tell(mailer, session, body, roadmap, cancelled, now=now)
    roadmap.retirement_applied_at = now
    session.flush()
    ids = tuple(a.id for group in by_body.values() for a in group)
    return ids, tuple(by_body)


def apply_due_retirements(
    session: Session, *, today: dt.date, now: dt.datetime, mailer: Mailer, actor: str
) -> list[str]:
    """The sweep's part: every retirement whose day has come and is not yet applied."""
    done = []
    for roadmap in session.scalars(_select_due(), {"today": today}):
        apply_retirement(session, roadmap, now=now, mailer=mailer, actor=actor)
        done.append(roadmap_ref(roadmap))
    return done


@cache
def _select_due() -> Select[Roadmap]:
    """Built once per process: every sweep asks, and nearly always finds nothing."""
    return select(Roadmap).where(
        Roadmap.retired_on.is_not(None),
        Roadmap.retired_on <= bindparam("today"),
        Roadmap.retirement_applied_at.is_(None),
    )


def open_assignments(session: Session, roadmap: Roadmap) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .join(Obligation, Assignment.obligation_id == Obligation.id)
            .join(Item, Obligation.item_id == Item.id)
            .where(Item.roadmap_id == roadmap.id, Assignment.status.in_(OPEN_STATUSES))
            .order_by(Assignment.body_id, Assignment.due_on, Assignment.id)
        )
    )


def tell(
    mailer: Mailer,
    session: Session,
    body: Body,
    roadmap: Roadmap,
    cancelled: Sequence[Assignment],
    *,
    now: dt.datetime,
) -> OutboxMessage | None:
    """One mail per executor when a decree becomes void, listing all its cancelled
    assignments of it; key ``retired:{roadmap}:{body}`` (a second run adds none)."""
    assert roadmap.retired_on is not None and roadmap.retired_reason is not None
    items = []
    for a in cancelled:
        data = assignment_data(a)
        items.append(
            {**data["item"], "phase": data["phase"], "period": data["period"], "due_on": a.due_on}
        )
    facts = compose.Retirement(
        recipient={"id": body.id, "name": body_name(body), "person": body.person},
        roadmap=roadmap_fields(roadmap),
        retired_on=roadmap.retired_on,
        reason=roadmap.retired_reason,
        items=items,
    )
    letter = Letter(
        key=f"retired:{roadmap.id}:{body.id}",
        kind="roadmap_retired",
        to=body_addresses(body),
        reply_to=curator_address(body),
        rendered=compose.roadmap_retired(facts),
        roadmap_id=roadmap.id,
        recipient_body_id=body.id,
    )
    return enqueue(session, letter, postmark=mailer.postmark, now=now)
