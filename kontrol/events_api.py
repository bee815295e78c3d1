"""``POST /api/events``: a sender reports an event with its bearer token (mount the router).

Body: ``{"event": "contract_signed", "body": "example-school-1", "at": "2021-12-28T10:00:00+03:00",
"ref": "ГК-2021-117", "note": "…"}`` — ``event`` and ``ref`` required.  Answers 201 (recorded),
200 (the same reference again: recorded once, forwarded once; ``at`` may be left out of a
resend), 401 (token), 403 (not allowed), 409 (reference used for another event), 422 (unknown
event or body, a time outside the roadmaps' date window or in the future, bad payload), 502
(recorded, but Prefect did not get it: kontrol forwards it with the next emit or the daily
sweep, or send the same again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, field_validator

from kontrol.config import load_rules
from kontrol.context import App
from kontrol.errors import KontrolError
from kontrol.event_senders import Sender
from kontrol.events import EventRefused, Forward, accept_event, authenticate, require_catalogue
from kontrol.roadmap.errors import RoadmapError

_bearer = HTTPBearer(auto_error=False)


class EventIn(BaseModel):
    """What a sender reports; unknown fields are refused (a typo is an error)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event: str = Field(min_length=1, max_length=64)
    ref: str = Field(min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=64)
    at: dt.datetime | None = None
    note: str | None = Field(default=None, max_length=4000)

    @field_validator("event", "ref", "body", "note")
    @classmethod
    def _storable(cls, value: str | None) -> str | None:
        """Text a database holds: no NUL (PostgreSQL refuses it), no unpaired surrogate (JSON's
        ``\\ud800`` is not UTF-8) — a 422, not a failed INSERT."""
        if value is not None and any(c == "\x00" or "\ud800" <= c <= "\udfff" for c in value):
            raise ValueError("contains a NUL character or an unpaired surrogate")
        return value


def events_router(
    app_factory: Callable[[], App],
    senders: Callable[[], dict[str, Sender]],
    forward: Forward | None = None,
) -> APIRouter:
    """The router; ``app_factory`` gives the App of a request (clock and database),
    ``senders`` the senders allowed then: both come from the entry point that mounts it."""
    router = APIRouter()

    @router.post("/api/events", status_code=201)
    def post_event(  # sync: FastAPI runs it in a worker thread (database and Prefect I/O)
        data: EventIn,
        response: Response,
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
    ) -> dict[str, object]:
        app: App | None = None
        try:
            sender = authenticate(senders(), credentials.credentials if credentials else None)
            app = app_factory()
            accepted = accept_event(
                app,
                require_catalogue(app.settings),
                load_rules(app.settings).policy,
                sender=sender.id,
                sender_conf=sender,
                event=data.event,
                body=data.body,
                at=data.at,
                ref=data.ref,
                note=data.note,
                forward=forward,
            )
        except EventRefused as exc:
            headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
            raise HTTPException(exc.status, detail=exc.message, headers=headers) from None
        except (KontrolError, RoadmapError) as exc:  # the catalogue, the policy: not the sender's
            raise HTTPException(503, detail=str(exc)) from None
        finally:
            if app is not None and "engine" in vars(app):  # an App per request: so is its pool
                app.engine.dispose()
        if not accepted.forwarded:
            raise HTTPException(
                502,
                detail=f"event #{accepted.id} recorded, not forwarded ({accepted.forward_error}): "
                "kontrol forwards it with the daily sweep, or send the same again",
            )
        if not accepted.new:
            response.status_code = 200
        return accepted.to_json()

    return router
