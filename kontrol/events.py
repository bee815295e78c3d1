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

Replays: (sender, reference) is unique in the database, so the same event sent twice is
recorded once; it is forwarded once (``forwarded_at``), and again only if forwarding failed —
under the same Prefect event id, which Prefect deduplicates.  Every refusal is an
``EventRefused`` with an HTTP status and a reason; nothing is recorded and nothing triggered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol.context import App
from kontrol.errors import KontrolError
from kontrol.settings import Settings, load_settings
from models import Body
from models.db import insert_for
from models.event import EventRecord
from roadmap.events import CatalogueEvent, EventCatalogue, load_events
from roadmap.policy import Policy

CLI_SENDER = "cli"
MAX_REF, MAX_NOTE = 200, 4000


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


Forward = Callable[[EventRecord, CatalogueEvent], None]



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


def _when(at: dt.datetime | None, now: dt.datetime, policy: Policy) -> dt.datetime:
    if at is None:
        return now.astimezone(dt.UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=policy.zone)
    at = at.astimezone(dt.UTC)  # stored in UTC: SQLite keeps no offset
    limit = now + dt.timedelta(minutes=policy.event_future_tolerance_minutes)
    if at > limit:
        raise EventRefused(
            f"the event's time {at.isoformat()} is in the future "
            f"(more than {policy.event_future_tolerance_minutes} min after now)"
        )
    return at


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
) -> Accepted:
    """Check, record (once per sender reference) and forward one reported event."""
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
    when = _when(at, app.now, policy)
    ref = (ref or "").strip() or f"{event}:{body or '-'}:{when.isoformat()}"
    if len(ref) > MAX_REF:
        raise EventRefused(f"the reference is longer than {MAX_REF} characters")
    with app.transaction() as session:
        if body is not None and session.get(Body, body) is None:
            raise EventRefused(f"unknown body «{body}» (not in the directory)")
        _authorise(session, known, sender, body)
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
                received_at=app.now,
                note=note,
                payload=payload,
            )
            .on_conflict_do_nothing(index_elements=["sender", "sender_ref"])
            .returning(EventRecord.id)
        ).scalar()
        row = session.scalars(
            select(EventRecord).where(EventRecord.sender == sender, EventRecord.sender_ref == ref)
        ).one()
        if new_id is None and (row.event, row.body_id, utc(row.occurred_at)) != (
            event,
            body,
            utc(when),
        ):
            raise EventRefused(
                f"reference «{ref}» of «{sender}» was already used for another event "
                f"(#{row.id}: {row.event} at {utc(row.occurred_at).isoformat()})",
                status=409,
            )
    error = None
    if row.forwarded_at is None:
        try:
            (forward or forward_to_prefect)(row, known)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        else:
            with app.transaction() as session:
                rec = session.get(EventRecord, row.id)
                assert rec is not None
                if rec.forwarded_at is None:
                    rec.forwarded_at = app.now
                row.forwarded_at = rec.forwarded_at
    return Accepted(
        row.id,
        row.event_id,
        row.event,
        row.sender,
        row.sender_ref,
        row.body_id,
        utc(row.occurred_at),
        new_id is not None,
        row.forwarded_at is not None,
        error,
    )


def utc(t: dt.datetime) -> dt.datetime:
    """Aware UTC (SQLite gives naive datetimes back: they were stored in UTC)."""
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


# ── Prefect ────────────────────────────────────────────────────────────────────────────────


def prefect_event(row: EventRecord, event: CatalogueEvent) -> dict[str, Any]:
    """The Prefect event of a recorded row (plain data: testable without Prefect).

    ``occurred`` is when kontrol accepted it (Prefect's event clock and retention use it); the
    event's own time is ``payload.occurred_at`` and reaches the flow as ``event_time``.
    """
    return {
        "id": row.event_id,
        "event": event.prefect_event,
        "occurred": utc(row.received_at).isoformat(),
        "resource": {
            "prefect.resource.id": f"kontrol.event.{row.id}",
            "prefect.resource.name": event.name,
            "kontrol.event": event.id,
            "kontrol.body": row.body_id or "",
            "kontrol.sender": row.sender,
            "kontrol.ref": row.sender_ref,
        },
        "payload": {**row.payload, "row": row.id, "event_id": row.event_id},
    }


def forward_to_prefect(row: EventRecord, event: CatalogueEvent) -> None:
    """Send the event to the configured Prefect API and wait until it is sent."""
    import asyncio

    from prefect.events import Event
    from prefect.events.clients import get_events_client
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise KontrolError("no Prefect API configured (PREFECT_API_URL)")
    ev = Event.model_validate(prefect_event(row, event))

    async def send() -> None:
        async with get_events_client(reconnection_attempts=2) as client:
            await client.emit(ev)

    asyncio.run(send())


def pending_forward(app: App) -> list[int]:
    """Rows accepted but not yet in Prefect (forwarding failed): re-send with their reference."""
    with app.reading() as session:
        return list(
            session.scalars(select(EventRecord.id).where(EventRecord.forwarded_at.is_(None)))
        )


def dumps(accepted: Accepted) -> str:
    return json.dumps(accepted.to_json(), ensure_ascii=False)


# ── import ─────────────────────────────────────────────────────────────────────────────────


def check_event_phrases(
    document: Any, catalogue: EventCatalogue | None, *, strict: bool
) -> list[str]:
    """Every event-relative phrase must name a catalogue event; what does not is reported
    with the closest names (with ``strict``, the first is the error). Never dropped."""
    from roadmap.errors import ScheduleError
    from roadmap.events import EventCatalogueError, resolve_event
    from roadmap.schedule import Kind, parse_schedule

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
