"""The portal's state — settings, database, clock, emitter, templates — and what every route
group does with it: render a page, read a link, build a service context, emit events."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from kontrol.config import Rules
from kontrol.mail import russian
from kontrol.mail.links import signing_keys
from kontrol.models.db import make_engine, session_factory
from kontrol.portal import pages, service, tokens
from kontrol.resources import resource
from kontrol.settings import Settings

log = logging.getLogger("kontrol.portal.app")  # the name the portal has always logged under
TEMPLATES = resource("kontrol.portal", "templates")
REFUSED = (
    "Ссылка недействительна или устарела",
    "Откройте ссылку из последнего письма по этому поручению. Если не получается — "
    "ответьте на письмо, его получит куратор.",
)


def template_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        date_words=russian.date_words,
        due_words=russian.due_words,
        short_date=russian.short_date,
    )
    return env


class Portal:
    """The app's state: settings, database, clock, emitter; the routes call its methods."""

    def __init__(
        self,
        settings: Settings,
        *,
        now: Callable[[], dt.datetime],
        emit: service.Emitter,
        config: pages.PortalSettings,
        rules: Rules,
    ) -> None:
        self.keys = signing_keys(settings)  # first: no key, no portal (nothing is opened)
        self.settings = settings
        self.now = now
        self.emit = emit
        self.config = config
        self.rules = rules
        self.engine = make_engine(settings.database_url)
        self.sessions = session_factory(self.engine)
        self.env = template_env()
        self.upload_dir = Path(settings.upload_dir).resolve()

    def clock(self) -> dt.datetime:
        moment = self.now()
        if moment.tzinfo is None:
            raise ValueError("now() must return an aware datetime")
        return moment.astimezone(dt.UTC)

    def today(self) -> dt.date:
        """The roadmap's calendar day now: where an assignment stands is said as of it."""
        return self.clock().astimezone(self.rules.policy.zone).date()

    def page(self, name: str, code: int = 200, /, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=code)

    def message(self, title: str, text: str, status: int) -> HTMLResponse:
        return self.page("message.html", status, title=title, text=text)

    def refused(self) -> HTMLResponse:
        return self.message(*REFUSED, 403)

    def grant(self, token: str, purpose: str) -> tokens.Grant:
        return tokens.read(
            token, purpose=purpose, secret_key=self.keys, now=self.clock(), ttl=self.config.ttl
        )

    def context(self, grant: tokens.Grant, now: dt.datetime) -> service.Context:
        return service.Context(
            self.settings, self.rules, now, grant, acceptance=self.config.report_acceptance
        )

    def emit_all(self, outcome: service.Outcome) -> None:
        for event in outcome.events:
            try:
                self.emit(*event)
            except Exception:  # the emitter should swallow; a broken one must not fail the page
                log.exception("event emitter failed for %s", event[0])


async def portal_of(request: Request) -> Portal:
    """The portal of the app serving ``request`` (``create_app`` puts it in the app's state)."""
    portal: Portal = request.app.state.portal
    return portal


# a route's parameter of this type gets the portal (async: no worker thread just to fetch it)
PortalDep = Annotated[Portal, Depends(portal_of)]
