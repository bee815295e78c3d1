"""Issue the occurrence an event starts: an event-relative obligation, one reported event.

The occurrence is the event itself (key ``event:<row id>``), from the event's day to its due
date: the term counted from the event's day in the roadmap's time zone (working days on the
production calendar, or calendar days then the policy's non-working-day rule). Recipients are
the item's executors; when the event names a body that is one of them (directly or through a
group), only that body is issued — plus the item's lead, who answers for the item — because an
event such as «a contract signed by school 3» concerns school 3, not every school.
Idempotent like every issue: the same event run twice issues nothing new.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol.config import load_rules
from kontrol.context import App
from kontrol.errors import KontrolError, NotFound
from kontrol.issuing import IssueSummary, issue_occurrence, issued_rows, recipients
from kontrol.lookup import obligation_by_key, roadmap_by_number
from kontrol.mail.mailer import Mailer
from kontrol.models import Item
from kontrol.models.base import utc
from kontrol.models.event import EventRecord
from kontrol.naming import deployment_name
from kontrol.roadmap.events import EventCatalogue, resolve_event
from kontrol.roadmap.occurrences import event_occurrence
from kontrol.roadmap.schedule import Kind, Phase, parse_schedule


def event_key(row_id: int) -> str:
    return f"event:{row_id}"


def phase_of(item_number: str, schedule_text: str, phase_index: int) -> Phase | None:
    phases = parse_schedule(schedule_text, item=item_number).phases
    return phases[phase_index] if phase_index < len(phases) else None


def resolve_phase_event(phase: Phase, catalogue: EventCatalogue, item: str) -> str:
    """The catalogue id of an event-relative phase, or an error naming the closest events."""
    assert phase.event is not None
    match = resolve_event(phase.event.event, catalogue)
    if match.event_id is None:
        hint = f" (closest: {', '.join(match.suggestions)})" if match.suggestions else ""
        raise KontrolError(
            f"item {item}: the event «{phase.event.event}» is not in the event catalogue "
            f"{catalogue.source}{hint}"
        )
    return match.event_id


def issue_event(
    app: App,
    roadmap: str | None,
    obligation: str,
    event: str,
    *,
    catalogue: EventCatalogue,
    actor: str,
) -> IssueSummary:
    """Issue the occurrence of ``obligation`` started by the recorded event ``event``.

    ``event`` is the Prefect event id (a UUID, as the trigger passes it) or the row id. The
    secret key that signs the mails' links is checked before anything is written.
    """
    mailer = Mailer.of(app.settings)
    rules = load_rules(app.settings)
    with app.transaction() as session:
        rm = roadmap_by_number(session, roadmap)
        ob = obligation_by_key(session, rm, obligation)
        item = ob.item
        phase = phase_of(item.number, item.schedule_text, ob.phase_index)
        if phase is None or phase.kind is not Kind.ON_EVENT:
            raise KontrolError(f"item {ob.key} is not counted from an event")
        row = recorded_event(session, event, resolve_phase_event(phase, catalogue, ob.key), ob.key)
        event_day = utc(row.occurred_at).astimezone(rules.policy.zone).date()
        if (phase.year_from and event_day.year < phase.year_from) or (
            phase.year_to and event_day.year > phase.year_to
        ):
            raise KontrolError(
                f"item {ob.key}: event #{row.id} of {event_day:%d.%m.%Y} is outside the item's "
                f"years {phase.year_from or '…'}–{phase.year_to or '…'}: not issued"
            )
        occ = event_occurrence(
            phase,
            event_day=event_day,
            key=event_key(row.id),
            policy=rules.policy,
            calendar=rules.calendar,
        )
        only = concerned(session, item, row.body_id)
        result = issue_occurrence(
            session, ob, occ, rules=rules, now=app.now, actor=actor, mailer=mailer, only=only
        )
        rows = issued_rows(session, result, rules=rules, now=app.now)
        return IssueSummary(
            rm.number,
            ob.key,
            item.number,
            item.title,
            deployment_name(ob),
            occ.key,
            occ.period_start,
            occ.period_end,
            rows,
            ob.label,
        )


def recorded_event(session: Session, event: str, expected: str, item: str) -> EventRecord:
    """The recorded event by Prefect event id or row id, if it is the one ``item`` counts
    from."""
    query = select(EventRecord)
    if event.isdigit():
        query = query.where(EventRecord.id == int(event))
    else:
        query = query.where(EventRecord.event_id == event)
    row = session.scalars(query).first()
    if row is None:
        raise NotFound(f"no recorded event {event}")
    if row.event != expected:
        raise KontrolError(
            f"event #{row.id} is «{row.event}», item {item} is counted from «{expected}»"
        )
    return row


def concerned(session: Session, item: Item, body_id: str | None) -> set[str] | None:
    """The recipients an event concerns: the body it names if that is one of the item's
    executors (directly or through a group), plus the item's lead; None: all of them."""
    if not body_id:
        return None
    everyone = recipients(session, item)
    named = {r.body_id for r in everyone if body_id in (r.body_id, r.via_group_id)}
    if not named:
        return None
    return named | {r.body_id for r in everyone if r.role == "lead"}
