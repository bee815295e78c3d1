"""Events: accepting a reported event (CLI and HTTP), recording it, forwarding it to Prefect.

An accepted event is one row of ``events`` (the audit trail) and one Prefect event
``kontrol.event.<catalogue id>`` whose resource is ``kontrol.event.<row id>``; the deployments
of the obligations counted from that event have a trigger on it, so Prefect runs the cycle flow.

Who may report what:

* a sender is a system or person with its own bearer token (``KONTROL_EVENT_SENDERS``, read
  by ``kontrol.event_senders``: JSON ``{"edo": {"token": "…", "events": ["request_received"],
  "bodies": ["committee"]}}`` or the path of a YAML file of that shape; ``token_sha256`` may
  replace ``token``; ``events`` may be ``["*"]``; ``bodies`` is optional and limits the bodies
  the sender may name). The console (``kontrol event emit``) is the sender ``cli`` and needs no
  token; the configured catalogue is read by ``kontrol.event_catalogue``;
* the catalogue's ``senders`` of an event lists sender ids and/or body ids: the sender must be
  listed (or be itself a listed body), and a body named in the event must be a listed body or a
  member of a listed group whenever the list names bodies at all.

When: ``at`` (naive = the policy's time zone) or, without it, the time of receipt. Its day in
the policy's zone must lie in the imported roadmaps' date window (``roadmap.datewindow``) and
it may not be later than now plus the policy's tolerance.

Which event it is — the idempotency key is (sender, reference), unique in the database:

* the reference is the sender's own (``ref``; the HTTP API requires one). Sent again under the
  same reference it is the same event: recorded once, ``duplicate`` the second time. A resend
  may leave ``at`` out — the event keeps the time it was recorded with — but an event, a body or
  an ``at`` that differs from the record is another event under a used reference: 409;
* without a reference (the console), the reference is made of the event, the body and the
  time: with ``at`` the same command again is the same event; without ``at`` it is the same
  event as a *pending* one (recorded, not yet forwarded) of the same sender, event and body —
  «run the same command again» after a failed forwarding forwards it and records nothing new;
  once forwarded, the same command reports a new event.

Forwarding (``kontrol.event_forwarding``): an event is forwarded once, under its own Prefect
event id; one that could not be forwarded stays pending and is forwarded by the next successful
emit or the daily sweep. Every refusal is an ``EventRefused`` with an HTTP status and a reason;
nothing is recorded and nothing triggered.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol.context import App
from kontrol.errors import KontrolError
from kontrol.event_catalogue import (
    check_event_phrases,
    events_file,
    load_catalogue,
    require_catalogue,
)
from kontrol.event_forwarding import (
    Forward,
    forward_one,
    forward_pending,
    forward_to_prefect,
    prefect_event,
)
from kontrol.event_senders import Sender, parse_senders
from kontrol.models import Body
from kontrol.models.base import utc
from kontrol.models.db import insert_for
from kontrol.models.event import EventRecord
from kontrol.roadmap.datewindow import DateOutOfRange, DateWindow, day_in
from kontrol.roadmap.events import CatalogueEvent, EventCatalogue
from kontrol.roadmap.policy import Policy
from kontrol.windows import NO_ROADMAP, imported_window

CLI_SENDER = "cli"
MAX_REF, MAX_NOTE = 200, 4000
FORWARD_ALONG = 20  # pending events a successful emit forwards along with its own

__all__ = [  # the catalogue, sender and forwarding names stay importable from here
    "CLI_SENDER",
    "Accepted",
    "EventRefused",
    "Forward",
    "Sender",
    "accept_event",
    "authenticate",
    "check_event_phrases",
    "dumps",
    "events_file",
    "forward_to_prefect",
    "load_catalogue",
    "parse_senders",
    "prefect_event",
    "require_catalogue",
]


class EventRefused(KontrolError):
    """An event that is not accepted: nothing is recorded, nothing is triggered."""

    def __init__(self, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


# ── who sends ──────────────────────────────────────────────────────────────────────────────


def authenticate(senders: dict[str, Sender], token: str | None) -> Sender:
    """The sender whose token this is, or a 401 refusal."""
    if token:
        for sender in senders.values():
            if sender.check_token(token):
                return sender
    raise EventRefused("missing or unknown bearer token", status=401)


# ── accepting an event ─────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Accepted:
    """The outcome of a report: the row, whether it is new, whether Prefect has the event."""

    id: int
    event_id: str
    event: str
    sender: str
    ref: str
    body: str | None
    occurred_at: dt.datetime
    new: bool
    forwarded: bool
    forward_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event_id": self.event_id,
            "event": self.event,
            "sender": self.sender,
            "ref": self.ref,
            "body": self.body,
            "occurred_at": self.occurred_at.isoformat(),
            "status": "recorded" if self.new else "duplicate",
            "forwarded": self.forwarded,
            "forward_error": self.forward_error,
        }


def _members(session: Session, group_id: str, path: frozenset[str] = frozenset()) -> set[str]:
    body = session.get(Body, group_id)
    if body is None or group_id in path:
        return set()
    out = {group_id}
    for m in body.members:
        out |= _members(session, m.member_id, path | {group_id})
    return out


def _authorise(session: Session, event: CatalogueEvent, sender: str, body: str | None) -> None:
    listed = set(event.senders)
    listed_bodies = {s for s in listed if session.get(Body, s) is not None}
    allowed: set[str] = set()
    for b in listed_bodies:
        allowed |= _members(session, b)
    if sender not in listed and sender not in allowed:
        raise EventRefused(f"sender «{sender}» may not report «{event.id}»", status=403)
    if body is not None and listed_bodies and body not in allowed:
        raise EventRefused(
            f"body «{body}» may not report «{event.id}» "
            f"(allowed: {', '.join(sorted(listed_bodies))})",
            status=403,
        )


def _when(
    at: dt.datetime, now: dt.datetime, policy: Policy, window: DateWindow, name: str
) -> dt.datetime:
    """``at`` in UTC once its day is inside the window and it is not in the future."""
    try:
        window.check(day_in(at, policy.zone))
    except DateOutOfRange as exc:
        raise EventRefused(f"{name}: {exc}") from None
    if at.tzinfo is None or at.utcoffset() is None:
        at = at.replace(tzinfo=policy.zone)
    at = at.astimezone(dt.UTC)  # stored in UTC: SQLite keeps no offset
    limit = now + dt.timedelta(minutes=policy.event_future_tolerance_minutes)
    if at > limit:
        raise EventRefused(
            f"{name}: the event's time {at.isoformat()} is in the future "
            f"(more than {policy.event_future_tolerance_minutes} min after now)"
        )
    return at


def _auto_ref(event: str, body: str | None, when: dt.datetime | None = None) -> str:
    """The console's reference when none is given: event, body and (UTC) time."""
    return f"{event}:{body or '-'}:" + (when.isoformat() if when else "")


def _pending_auto(session: Session, sender: str, event: str, body: str | None) -> str | None:
    """The reference of the latest pending event of this sender, event and body recorded under
    a made-up reference: what «the same command again» without ``at`` means."""
    prefix = _auto_ref(event, body)
    return session.scalars(
        select(EventRecord.sender_ref)
        .where(
            EventRecord.sender == sender,
            EventRecord.event == event,
            EventRecord.body_id.is_(None) if body is None else EventRecord.body_id == body,
            EventRecord.forwarded_at.is_(None),
            EventRecord.sender_ref.startswith(prefix, autoescape=True),
        )
        .order_by(EventRecord.id.desc())
        .limit(1)
    ).first()


def _same(row: EventRecord, event: str, body: str | None, when: dt.datetime | None) -> bool:
    """Whether a resend under the row's reference says the same (``when`` None: not stated)."""
    return (row.event, row.body_id) == (event, body) and (
        when is None or utc(row.occurred_at) == when
    )


@dataclass(frozen=True)
class _Report:
    """What a sender says: the event, its body, its time (``at``, named ``at_name`` in a
    refusal), its reference and note."""

    sender: str
    event: str
    body: str | None
    at: dt.datetime | None
    ref: str | None
    note: str | None
    at_name: str


def accept_event(
    app: App,
    catalogue: EventCatalogue,
    policy: Policy,
    *,
    sender: str,
    event: str,
    body: str | None = None,
    at: dt.datetime | None = None,
    ref: str | None = None,
    note: str | None = None,
    sender_conf: Sender | None = None,
    forward: Forward | None = None,
    at_name: str = "at",
) -> Accepted:
    """Check, record (once per sender reference, see the module) and forward one reported
    event; ``at_name`` is how the caller names the time in a refusal (``--at``, ``at``)."""
    report = _Report(sender, event, body, at, ref, note, at_name)
    known = _allowed(catalogue, report, sender_conf)
    now = utc(app.now)
    given = (ref or "").strip() or None
    if given is not None and len(given) > MAX_REF:
        raise EventRefused(f"the reference is longer than {MAX_REF} characters")
    with app.transaction() as session:
        row, new = _record(session, app, known, policy, report, given, now)
    outcome = forward_one(app, row.id, catalogue, forward)
    if outcome.state == "sent":  # Prefect is there: what waits for it goes along
        forward_pending(app, catalogue, forward, limit=FORWARD_ALONG)
    return Accepted(
        row.id,
        row.event_id,
        row.event,
        row.sender,
        row.sender_ref,
        row.body_id,
        utc(row.occurred_at),
        new,
        outcome.forwarded,
        outcome.error,
    )


def _allowed(
    catalogue: EventCatalogue, report: _Report, sender_conf: Sender | None
) -> CatalogueEvent:
    """The catalogue's event, once the sender's own settings allow it and the note fits."""
    sender, event, body, note = report.sender, report.event, report.body, report.note
    known = catalogue.get(event)
    if known is None:
        names = ", ".join(e.id for e in catalogue)
        raise EventRefused(f"unknown event «{event}» (known: {names})")
    if sender_conf is not None and not sender_conf.may_send(event):
        raise EventRefused(f"sender «{sender}» may not send «{event}»", status=403)
    if sender_conf and body and sender_conf.bodies is not None and body not in sender_conf.bodies:
        raise EventRefused(f"sender «{sender}» may not report for «{body}»", status=403)
    if note is not None and len(note) > MAX_NOTE:
        raise EventRefused(f"the note is longer than {MAX_NOTE} characters")
    return known


def _record(
    session: Session,
    app: App,
    known: CatalogueEvent,
    policy: Policy,
    report: _Report,
    given: str | None,
    now: dt.datetime,
) -> tuple[EventRecord, bool]:
    """The row of the report — recorded now, or earlier under its reference — and whether it
    is new; a used reference that says something else is a 409."""
    sender, event, body, at_name = report.sender, report.event, report.body, report.at_name
    if body is not None and session.get(Body, body) is None:
        raise EventRefused(f"unknown body «{body}» (not in the directory)")
    _authorise(session, known, sender, body)
    window = imported_window(session)
    if window is None:
        raise EventRefused(NO_ROADMAP)
    stated = None if report.at is None else _when(report.at, now, policy, window, at_name)
    key = given or (
        _auto_ref(event, body, stated)
        if stated is not None
        else _pending_auto(session, sender, event, body)
    )
    row = _recorded(session, sender, key) if key is not None else None
    new = False
    if row is None:
        when = stated or _when(now, now, policy, window, f"{at_name} (not given: now)")
        key = key or _auto_ref(event, body, when)
        new = _insert(session, app, sender, key, event, body, when, report.note)
        row = _recorded(session, sender, key)  # ours, or a concurrent resend's
        assert row is not None
    if not new and not _same(row, event, body, stated):
        raise EventRefused(
            f"reference «{key}» of «{sender}» was already used for another event "
            f"(#{row.id}: {row.event} at {utc(row.occurred_at).isoformat()})",
            status=409,
        )
    return row, new


def _recorded(session: Session, sender: str, ref: str) -> EventRecord | None:
    return session.scalars(
        select(EventRecord).where(EventRecord.sender == sender, EventRecord.sender_ref == ref)
    ).first()


def _insert(
    session: Session,
    app: App,
    sender: str,
    ref: str,
    event: str,
    body: str | None,
    when: dt.datetime,
    note: str | None,
) -> bool:
    """Insert the row unless (sender, ref) is taken — by a concurrent resend, say; True if it
    was inserted."""
    payload = {
        "event": event,
        "sender": sender,
        "ref": ref,
        "body": body or "",
        "note": note or "",
        "occurred_at": when.isoformat(),
    }
    new_id = session.execute(
        insert_for(session)(EventRecord)
        .values(
            event_id=str(uuid.uuid4()),
            event=event,
            sender=sender,
            sender_ref=ref,
            body_id=body,
            occurred_at=when,
            received_at=utc(app.now),
            note=note,
            payload=payload,
            forward_attempts=0,
        )
        .on_conflict_do_nothing(index_elements=["sender", "sender_ref"])
        .returning(EventRecord.id)
    ).scalar()
    return new_id is not None


def dumps(accepted: Accepted) -> str:
    return json.dumps(accepted.to_json(), ensure_ascii=False)
