"""Forwarding recorded events to Prefect's event API: at once when accepted, else later.

An accepted event is recorded first (``events``), then forwarded. When forwarding fails
(Prefect down, the network, an event no longer in the catalogue) the row stays *pending*:
``forwarded_at`` empty, the attempts counted and the last reason kept in ``forward_error``.
Pending rows are forwarded by the next emit that reaches Prefect and by the daily sweep
(``forward_pending``), always under the row's own Prefect event id, so Prefect would drop a
second copy; the sweep's ``kontrol-events-pending`` artifact lists what is still pending.

Never twice at once: a forwarder first claims the row with a lease (one atomic update sets
``forward_lease_until`` only where no live lease is; one forwarder wins, the others skip the
row), and records the outcome when done. A forwarder that dies holding a row leaves it to the
next one once the lease (``LEASE``, longer than any forwarding attempt) has passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from kontrol.context import App
from kontrol.errors import KontrolError
from kontrol.models.base import utc
from kontrol.models.event import EventRecord
from kontrol.roadmap.events import CatalogueEvent, EventCatalogue

LEASE = dt.timedelta(minutes=5)
NO_CATALOGUE = "no event catalogue is configured (KONTROL_EVENTS)"

Forward = Callable[[EventRecord, CatalogueEvent], None]


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


# ── one row ────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Outcome:
    """What became of one forwarding: ``sent`` now, ``already`` forwarded (by anyone),
    ``held`` by another forwarder right now, or ``failed`` with the reason."""

    state: str
    error: str | None = None

    @property
    def forwarded(self) -> bool:
        return self.state in ("sent", "already")


def _free(now: dt.datetime) -> Any:
    return (EventRecord.forwarded_at.is_(None)) & or_(
        EventRecord.forward_lease_until.is_(None), EventRecord.forward_lease_until <= now
    )


def forward_one(
    app: App,
    row_id: int,
    catalogue: EventCatalogue | None,
    forward: Forward | None = None,
    *,
    no_catalogue: str = NO_CATALOGUE,
) -> Outcome:
    """Claim, forward and record one row; a row forwarded already is just reported so."""
    now = utc(app.now)
    with app.transaction() as session:
        claim = session.execute(
            update(EventRecord)
            .where(EventRecord.id == row_id, _free(now))
            .values(forward_lease_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        claimed = cast("CursorResult[Any]", claim).rowcount  # an UPDATE's result has a rowcount
        row = session.get(EventRecord, row_id)
    if row is None:
        raise KontrolError(f"no recorded event #{row_id}")
    if row.forwarded_at is not None:
        return Outcome("already")
    if claimed != 1:
        until = utc(row.forward_lease_until) if row.forward_lease_until else now
        return Outcome("held", f"being forwarded by another process (lease until {until:%H:%M:%S})")
    known = catalogue.get(row.event) if catalogue is not None else None
    error: str | None
    if catalogue is None:
        error = no_catalogue
    elif known is None:
        error = f"«{row.event}» is not in the event catalogue {catalogue.source}"
    else:
        try:
            (forward or forward_to_prefect)(row, known)
        except Exception as exc:  # any failure leaves the row pending with its reason
            error = f"{type(exc).__name__}: {exc}"[:1000]
        else:
            error = None
    with app.transaction() as session:
        values: dict[str, Any] = {
            "forward_lease_until": None,
            "forward_attempts": EventRecord.forward_attempts + 1,
            "forward_error": error,
        }
        if error is None:
            values["forwarded_at"] = now
        session.execute(
            update(EventRecord)
            .where(EventRecord.id == row_id, EventRecord.forwarded_at.is_(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return Outcome("sent") if error is None else Outcome("failed", error)


# ── what is pending ────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Pending:
    """A recorded event Prefect does not have yet, as the artifact and the CLI show it."""

    id: int
    event: str
    sender: str
    ref: str
    body: str | None
    occurred_at: dt.datetime
    received_at: dt.datetime
    attempts: int
    error: str | None


@dataclass
class ForwardReport:
    """One pass over the pending rows: forwarded now, failed now, still pending after it."""

    forwarded: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    pending: list[Pending] = field(default_factory=list)
    recorded: int = 0  # events ever recorded: no events at all, no artifact

    def to_json(self) -> dict[str, Any]:
        return {
            "forwarded": self.forwarded,
            "failed": [{"id": i, "error": e} for i, e in self.failed.items()],
            "pending": [
                {
                    "id": p.id,
                    "event": p.event,
                    "sender": p.sender,
                    "ref": p.ref,
                    "body": p.body,
                    "occurred_at": p.occurred_at.isoformat(),
                    "received_at": p.received_at.isoformat(),
                    "attempts": p.attempts,
                    "error": p.error,
                }
                for p in self.pending
            ],
        }


def pending_events(session: Session) -> list[Pending]:
    """Every recorded event not yet in Prefect, oldest first."""
    rows = session.scalars(
        select(EventRecord).where(EventRecord.forwarded_at.is_(None)).order_by(EventRecord.id)
    )
    return [
        Pending(
            r.id,
            r.event,
            r.sender,
            r.sender_ref,
            r.body_id,
            utc(r.occurred_at),
            utc(r.received_at),
            r.forward_attempts,
            r.forward_error,
        )
        for r in rows
    ]


def forward_pending(
    app: App,
    catalogue: EventCatalogue | None,
    forward: Forward | None = None,
    *,
    limit: int | None = None,
    no_catalogue: str = NO_CATALOGUE,
) -> ForwardReport:
    """Forward the pending rows no one holds, fewest attempts first; stop at the first failure
    to reach Prefect (the next row would wait out the same timeout), so a row Prefect refuses
    does not keep the others back for long: its attempts put it behind them next time."""
    now = utc(app.now)
    report = ForwardReport()
    with app.reading() as session:
        report.recorded = session.scalar(select(func.count()).select_from(EventRecord)) or 0
        query = (
            select(EventRecord.id, EventRecord.event)
            .where(_free(now))
            .order_by(EventRecord.forward_attempts, EventRecord.id)
        )
        candidates = session.execute(query.limit(limit) if limit else query).all()
    for row_id, event in candidates:
        outcome = forward_one(app, row_id, catalogue, forward, no_catalogue=no_catalogue)
        if outcome.state == "sent":
            report.forwarded.append(row_id)
        elif outcome.state == "failed":
            report.failed[row_id] = outcome.error or "not forwarded"
            if catalogue is not None and event in catalogue:
                break  # Prefect (or the way to it) failed: the rest waits for the next pass
    with app.reading() as session:
        report.pending = pending_events(session)
    return report
