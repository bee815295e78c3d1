"""What every portal action shares: its errors, its context and its outcome.

Errors: ``Forbidden`` (403: the link does not give this), ``Conflict`` (409: not possible in the
current state — already decided, not open), ``Invalid`` (400: the form is wrong, say what).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, Update
from sqlalchemy.orm import Session

from kontrol.config import Rules
from kontrol.mail.links import signing_keys
from kontrol.mail.mailer import Mailer
from kontrol.models import Assignment, AuditEvent
from kontrol.portal import tokens
from kontrol.settings import Settings

log = logging.getLogger(__name__)
REASON_LIMIT = 2000


class PortalError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Forbidden(PortalError):
    status = 403


class Conflict(PortalError):
    status = 409


class Invalid(PortalError):
    status = 400


Emitter = Callable[[str, dict[str, str], list[dict[str, str]], dict[str, Any]], None]


def prefect_emitter(
    event: str, resource: dict[str, str], related: list[dict[str, str]], payload: dict[str, Any]
) -> None:
    """Emit to Prefect; a Prefect that cannot be reached must not undo a submitted report."""
    try:
        from prefect.events import emit_event

        emit_event(event=event, resource=resource, related=related, payload=payload)
    except Exception:
        log.exception("could not emit %s to Prefect", event)


@dataclass(frozen=True)
class Context:
    """What every action needs besides the session: settings, rules, clock, the link used."""

    settings: Settings
    rules: Rules
    now: dt.datetime
    grant: tokens.Grant
    acceptance: bool = True

    @property
    def actor(self) -> str:
        return f"portal:{self.grant.body_id} link:{self.grant.token_id}"

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.rules.policy.zone).date()

    def mailer(self) -> Mailer:
        """The action's mails are written through the one mail code, like every other."""
        return Mailer.of(self.settings)

    def decision_url(self, purpose: str, a: Assignment, body_id: str, ref: int) -> str:
        """A curator's signed link to decide on the request or report ``ref``."""
        token = tokens.decision_token(
            purpose,
            a.id,
            body_id,
            ref,
            secret_key=signing_keys(self.settings),
            clock=lambda: self.now,
        )
        return f"{self.settings.portal_base_url.rstrip('/')}/c/{purpose}/{token}"

    def audit(self, session: Session, a: Assignment, action: str, **details: Any) -> None:
        session.add(
            AuditEvent(
                at=self.now,
                actor=self.actor,
                action=action,
                assignment_id=a.id,
                details={"body": self.grant.body_id, "via": self.grant.token_id, **details},
            )
        )


@dataclass
class Outcome:
    """The result of an action and the Prefect events to emit once it is committed."""

    message: str
    events: list[tuple[str, dict[str, str], list[dict[str, str]], dict[str, Any]]] = field(
        default_factory=list
    )


def decide_once(session: Session, stmt: Update, row: object, already: Callable[[], str]) -> None:
    """Run the UPDATE that records a decision on a still pending row; when another decision
    came first, ``Conflict`` with ``already()``, read after the row is refreshed."""
    result = session.execute(stmt.execution_options(synchronize_session=False))
    if cast(CursorResult[Any], result).rowcount != 1:
        session.refresh(row)
        raise Conflict(already())


def closed_words(a: Assignment) -> str:
    """Why an action on a closed assignment is refused."""
    if a.status == "done":
        return "Поручение уже отмечено как выполненное."
    if a.status == "cancelled":
        return "Поручение отменено."
    return "Поручение закрыто."
