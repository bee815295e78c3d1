"""The executor page: a small FastAPI app behind the signed links of the mails.

Routes (every ``{token}`` is a signed capability, see ``portal.tokens``):

- ``GET  /a/{token}``                     the assignment, its reports, history and forms
- ``POST /a/{token}/done``                report text + files → done (multipart, streamed)
- ``POST /a/{token}/extension``           new date + reason → a request to the curator
- ``GET  /a/{token}/files/{id}``          a file of this assignment (the lead: of the occurrence)
- ``GET  /s/{token}``                     a supervisor's read-only view of the assignment (the
                                          links of the escalation digests); no forms, no POST
- ``GET  /s/{token}/files/{id}``          the files that view lists
- ``GET  /o/{token}``                     a supervisor's read-only overview of everything overdue
                                          under them (the one link of their daily mail); each
                                          row links to its ``/s/`` view
- ``GET  /c/{purpose}/{token}``           a curator's decision page (approve, reject, accept,
                                          return); nothing changes on GET — mail scanners open
                                          links — the decision is the POST of its form
- ``POST /c/{purpose}/{token}``
- ``GET  /c/{purpose}/{token}/files/{id}`` the report's files for its reviewer

A bad link is 403 and changes nothing; each form carries a CSRF token derived from its link.
A file id outside 1…2³¹−1 (or not a number) is 404: no database is asked about it. Every
response has the security headers (CSP without inline anything, no framing, no sniffing, no
referrer — the link must not leak to other sites), an unexpected error's 500 page included:
``SecurityHeaders`` wraps the whole application, outside Starlette's ``ServerErrorMiddleware``.
The events API (``/api/…``) answers in JSON, as its senders expect, errors included.

The app does not start without a real ``KONTROL_SECRET_KEY`` (``links.signing_keys``).

This module is the entry point: it reads the settings and builds the app from its parts —
``state`` (the ``Portal`` every route uses), ``middleware`` (headers, ``HEAD``), ``error_pages``,
and the route groups ``home``, ``executor``, ``supervisor``, ``decisions`` (their forms in
``forms``, their files through ``downloads``) and the events API (``kontrol.events_api``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import FastAPI

from kontrol.config import Rules, load_rules
from kontrol.context import App
from kontrol.event_senders import Sender, parse_senders
from kontrol.events import Forward
from kontrol.events_api import events_router
from kontrol.portal import charts, decisions, executor, home, pages, service, supervisor
from kontrol.portal.error_pages import add_error_pages
from kontrol.portal.middleware import PortalApp
from kontrol.portal.state import Portal
from kontrol.settings import Settings, load_settings


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def senders_from_env() -> dict[str, Sender]:
    """The senders configured now (``KONTROL_EVENT_SENDERS``), read per request so a changed
    token takes effect without a restart."""
    return parse_senders(load_settings().event_senders)


def create_app(
    settings: Settings,
    *,
    now: Callable[[], dt.datetime] = utcnow,
    emit: service.Emitter | None = None,
    config: pages.PortalSettings | None = None,
    rules: Rules | None = None,
    forward: Forward | None = None,
) -> FastAPI:
    """The portal for ``settings``; ``now``, ``emit`` and ``forward`` (the events API's way to
    Prefect) are injectable for tests."""
    portal = Portal(
        settings,
        now=now,
        emit=emit or service.prefect_emitter,
        config=config or pages.PortalSettings.of(settings),
        rules=rules or load_rules(settings),
    )
    app = PortalApp(
        title="kontrol — страница исполнителя", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.portal = portal
    add_error_pages(app, portal)
    for group in (home, executor, supervisor, decisions, charts):
        app.include_router(group.router)
    app.include_router(
        events_router(lambda: App(settings, now=now()), senders_from_env, forward=forward)
    )
    return app
