"""Events: accepting a reported event (CLI and HTTP), recording it, forwarding it to Prefect.

An accepted event is one row of ``events`` (the audit trail) and one Prefect event
``kontrol.event.<catalogue id>`` whose resource is ``kontrol.event.<row id>``; the deployments
of the obligations counted from that event have a trigger on it, so Prefect runs the cycle flow.

Who may report what:

* a sender is a system or person with its own bearer token (``KONTROL_EVENT_SENDERS``: JSON
  ``{"edo": {"token": "…", "events": ["request_received"], "bodies": ["committee"]}}`` or the
  path of a YAML file of that shape; ``token_sha256`` may replace ``token``; ``events`` may be
  ``["*"]``; ``bodies`` is optional and limits the bodies the sender may name). The console
  (``kontrol event emit``) is the sender ``cli`` and needs no token;
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
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol.context import App
from kontrol.errors import KontrolError
from kontrol.event_forwarding import (
    Forward,
    forward_one,
    forward_pending,
    forward_to_prefect,
    prefect_event,
    utc,
)
from kontrol.models import Body
from kontrol.models.db import insert_for
from kontrol.models.event import EventRecord
from kontrol.roadmap.datewindow import DateOutOfRange, DateWindow, day_in
from kontrol.roadmap.events import CatalogueEvent, EventCatalogue, load_events
from kontrol.roadmap.policy import Policy
from kontrol.settings import Settings, load_settings
from kontrol.windows import NO_ROADMAP, imported_window

CLI_SENDER = "cli"
MAX_REF, MAX_NOTE = 200, 4000
FORWARD_ALONG = 20  # pending events a successful emit forwards along with its own

__all__ = [  # the forwarding names are kept importable from here, where they used to be
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
    "senders_from_env",
    "utc",
]


class EventRefused(KontrolError):
    """An event that is not accepted: nothing is recorded, nothing is triggered."""

    def __init__(self, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


# ── configuration ──────────────────────────────────────────────────────────────────────────


def events_file(settings: Settings) -> Path | None:
    """The catalogue file (``KONTROL_EVENTS``)."""
    return settings.events


def load_catalogue(settings: object, path: Path | None = None) -> EventCatalogue | None:
    """The configured event catalogue, or None when none is configured."""
    chosen = path or events_file(settings)
    return load_events(chosen) if chosen else None


def require_catalogue(settings: object) -> EventCatalogue:
    catalogue = load_catalogue(settings)
    if catalogue is None:
        raise KontrolError("no event catalogue: set KONTROL_EVENTS to the events.yaml file")
    return catalogue


@dataclass(frozen=True)
class Sender:
    """One sender of events with its token (or its SHA-256) and what it may send."""

    id: str
    token_sha256: str
    events: frozenset[str]
    bodies: frozenset[str] | None = None

    def may_send(self, event_id: str) -> bool:
        return "*" in self.events or event_id in self.events

    def check_token(self, token: str) -> bool:
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        return hmac.compare_digest(digest, self.token_sha256)


def parse_senders(raw: str | None) -> dict[str, Sender]:
    """``KONTROL_EVENT_SENDERS``: inline JSON, or the path of a YAML (or JSON) file."""
    if not raw or not raw.strip():
        return {}
    text, where = raw, "KONTROL_EVENT_SENDERS"
    if not raw.lstrip().startswith("{"):
        where = raw.strip()
        try:
            text = Path(where).read_text(encoding="utf-8")
        except OSError as exc:
            raise KontrolError(f"{where}: cannot read the event senders: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)  # JSON is YAML
    except yaml.YAMLError as exc:
        raise KontrolError(f"{where}: event senders are not valid JSON/YAML: {exc}") from None
    if not isinstance(data, dict):
        raise KontrolError(f"{where}: event senders must be a mapping of sender id → settings")
    out: dict[str, Sender] = {}
    for sid, conf in data.items():
        if not isinstance(conf, dict) or not isinstance(conf.get("events"), list):
            raise KontrolError(f"{where}: sender «{sid}» needs «events: [...]» and a token")
        token, digest = conf.get("token"), conf.get("token_sha256")
        if isinstance(token, str) and len(token) >= 16:
            digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        if not isinstance(digest, str) or len(digest) != 64:
            raise KontrolError(
                f"{where}: sender «{sid}» needs a token of at least 16 characters or a token_sha256"
            )
        bodies = conf.get("bodies")
        out[str(sid)] = Sender(
            str(sid),
            digest.lower(),
            frozenset(map(str, conf["events"])),
            frozenset(map(str, bodies)) if isinstance(bodies, list) else None,
        )
    return out


def senders_from_env() -> dict[str, Sender]:
    """The senders configured now (``KONTROL_EVENT_SENDERS``), read per request so a changed
    token takes effect without a restart."""
    return parse_senders(load_settings().event_senders)


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
    now = utc(app.now)
    given = (ref or "").strip() or None
    if given is not None and len(given) > MAX_REF:
        raise EventRefused(f"the reference is longer than {MAX_REF} characters")
    with app.transaction() as session:
        if body is not None and session.get(Body, body) is None:
            raise EventRefused(f"unknown body «{body}» (not in the directory)")
        _authorise(session, known, sender, body)
        window = imported_window(session)
        if window is None:
            raise EventRefused(NO_ROADMAP)
        stated = None if at is None else _when(at, now, policy, window, at_name)
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
            new = _insert(session, app, sender, key, event, body, when, note)
            row = _recorded(session, sender, key)  # ours, or a concurrent resend's
            assert row is not None
        if not new and not _same(row, event, body, stated):
            raise EventRefused(
                f"reference «{key}» of «{sender}» was already used for another event "
                f"(#{row.id}: {row.event} at {utc(row.occurred_at).isoformat()})",
                status=409,
            )
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


# ── import ─────────────────────────────────────────────────────────────────────────────────


def check_event_phrases(
    document: Any, catalogue: EventCatalogue | None, *, strict: bool
) -> list[str]:
    """Every event-relative phrase must name a catalogue event; what does not is reported
    with the closest names (with ``strict``, the first is the error). Never dropped."""
    from kontrol.roadmap.errors import ScheduleError
    from kontrol.roadmap.events import EventCatalogueError, resolve_event
    from kontrol.roadmap.schedule import Kind, parse_schedule

    warnings: list[str] = []
    for item in document.activities:
        try:
            phases = parse_schedule(item.schedule_text, item=item.number).phases
        except ScheduleError:
            continue  # reported by check_schedules
        for phase in phases:
            if phase.kind is not Kind.ON_EVENT or phase.event is None:
                continue
            if catalogue is None:
                message = (
                    f"item {item.number}: «{phase.event.event}» is an event, but no event "
                    "catalogue is given (--events FILE or KONTROL_EVENTS)"
                )
            else:
                match = resolve_event(phase.event.event, catalogue)
                if match.ok:
                    continue
                hint = f" (closest: {', '.join(match.suggestions)})" if match.suggestions else ""
                message = (
                    f"item {item.number}: the event «{phase.event.event}» is not in the "
                    f"event catalogue{hint}"
                )
            if strict:
                raise EventCatalogueError(
                    message,
                    file=document.source_name,
                    line=item.lines[0] if item.lines else None,
                )
            warnings.append(message)
    return warnings
