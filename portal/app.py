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
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi import Path as PathParam
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kontrol.config import Rules, load_rules
from kontrol.context import App
from kontrol.event_senders import Sender, parse_senders
from kontrol.events import Forward
from kontrol.events_api import events_router
from kontrol.mail import render as r
from kontrol.mail import russian
from kontrol.mail.links import signing_keys
from kontrol.models import Body
from kontrol.models.db import make_engine, session_factory
from kontrol.models.report import Attachment
from kontrol.portal import pages, service, tokens, uploads
from kontrol.portal.csrf import FIELD, csrf_ok, csrf_token
from kontrol.resources import resource
from kontrol.settings import Settings, load_settings

log = logging.getLogger(__name__)
TEMPLATES = resource("kontrol.portal", "templates")
STATIC = resource("kontrol.portal", "static")
SMALL_FORM = 64 * 1024
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
}
FileFinder = Callable[[Session, tokens.Grant, int], Attachment]
# the largest id an id column holds: INTEGER, 32 bits on PostgreSQL (which refuses to compare
# a larger number with it); SQLite's 64 bits (an OverflowError past them) are wider
MAX_ID = 2**31 - 1
FileId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
API = "/api/"  # the events API: JSON in, JSON out, errors included


def _form(media: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI text of a form a route reads from the raw body (so FastAPI cannot see it):
    the schema tells clients and the fuzzing tests what the route takes."""
    schema = {"type": "object", "properties": fields}
    return {"requestBody": {"required": True, "content": {media: {"schema": schema}}}}


TEXT = {"type": "string"}
DONE_FORM = _form(
    "multipart/form-data",
    {
        "report": TEXT,
        FIELD: TEXT,
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
    },
)
EXTENSION_FORM = _form(
    "application/x-www-form-urlencoded", {"due_on": TEXT, "reason": TEXT, FIELD: TEXT}
)
DECISION_FORM = _form("application/x-www-form-urlencoded", {"comment": TEXT, FIELD: TEXT})
REFUSED = (
    "Ссылка недействительна или устарела",
    "Откройте ссылку из последнего письма по этому поручению. Если не получается — "
    "ответьте на письмо, его получит куратор.",
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def senders_from_env() -> dict[str, Sender]:
    """The senders configured now (``KONTROL_EVENT_SENDERS``), read per request so a changed
    token takes effect without a restart."""
    return parse_senders(load_settings().event_senders)


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers to every response, errors included (it wraps
    ``ServerErrorMiddleware``, see ``PortalApp``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])]
                present = {k.lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class HeadAsGet:
    """Pure ASGI middleware: ``HEAD`` answers what ``GET`` would, headers only.

    Mail scanners and link checkers ask ``HEAD`` before a person clicks; FastAPI routes answer
    only the methods they name (405 for ``HEAD``). Every page here is read-only, so the
    ``GET`` answer is the right one; its ``content-length`` stays, as HTTP wants for ``HEAD``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
            elif not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class PortalApp(FastAPI):
    """FastAPI with ``SecurityHeaders`` outermost.

    Starlette builds ``ServerErrorMiddleware`` (which answers an unhandled exception with 500)
    outside every middleware added with ``add_middleware``, so a header middleware added that
    way never sees the 500 response. Wrapping the built stack puts it outside that too.
    """

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(HeadAsGet(super().build_middleware_stack()))


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

    # ── executor ────────────────────────────────────────────────────────────────────────

    def executor_page(
        self,
        token: str,
        grant: tokens.Grant,
        *,
        status: int = 200,
        ok: str | None = None,
        error: str | None = None,
        form: dict[str, str] | None = None,
    ) -> HTMLResponse:
        with self.sessions() as session:
            a = service.executor_assignment(session, grant)
            data = pages.assignment_page(
                session, a, grant, base=f"/a/{token}", rules=self.rules, today=self.today()
            )
        return self.page(
            "assignment.html",
            status,
            **data,
            token=token,
            ok=ok,
            error=error,
            form=form or {},
            max_mb=f"{self.config.max_upload_mb:g}",
            csrf_done=csrf_token(self.keys, token, "done"),
            csrf_extension=csrf_token(self.keys, token, "extension"),
        )

    def submit(self, grant: tokens.Grant, form: uploads.ParsedForm) -> service.Outcome:
        now = self.clock()
        with self.sessions() as session, session.begin():
            return service.submit_report(
                session,
                self.context(grant, now),
                form.fields.get("report", ""),
                form.files,
                upload_dir=self.upload_dir,
            )

    def extension(self, grant: tokens.Grant, fields: dict[str, str]) -> None:
        now = self.clock()
        with self.sessions() as session, session.begin():
            ctx = self.context(grant, now)
            service.request_extension(
                session, ctx, fields.get("due_on", ""), fields.get("reason", "")
            )

    def file(self, grant: tokens.Grant, file_id: int, find: FileFinder) -> Response:
        with self.sessions() as session:
            att = find(session, grant, file_id)
            path = uploads.stored_file(self.upload_dir, att.stored_path)
            name, media = att.original_name, att.content_type
        if not path.is_file():
            return self.message("Файл не найден", "Файл отсутствует в хранилище.", 404)
        disposition = uploads.content_disposition(name)
        return FileResponse(path, media_type=media, headers={"content-disposition": disposition})

    # ── supervisor ──────────────────────────────────────────────────────────────────────

    def oversee_page(self, token: str, grant: tokens.Grant) -> HTMLResponse:
        """What the executor's page shows, without its forms: a supervisor watches, the
        executor reports and the curator decides by the links of their own mails."""
        with self.sessions() as session:
            a = service.supervised_assignment(session, grant)
            data = pages.assignment_page(
                session, a, grant, base=f"/s/{token}", rules=self.rules, today=self.today()
            )
            viewer = session.get(Body, grant.body_id)
            assert viewer is not None  # supervises() matched it to a body row
            data["viewer"] = r.body_name(viewer)
        return self.page("oversee.html", **data)

    def overview_page(self, grant: tokens.Overview) -> HTMLResponse:
        """Everything overdue under the supervisor today, each row its read-only view."""
        now = self.clock()
        with self.sessions() as session:
            body = service.overseer(session, grant)

            def link(assignment_id: int) -> str:
                token = tokens.oversee_token(
                    assignment_id, body.id, secret_key=self.keys, clock=lambda: now
                )
                return f"/s/{token}"

            data = pages.overview_page(
                session,
                body,
                today=self.today(),
                rules=self.rules,
                link=link,
            )
        return self.page("overview.html", **data)

    # ── curator ─────────────────────────────────────────────────────────────────────────

    def decision_page(
        self, purpose: str, token: str, grant: tokens.Grant, *, error: str | None = None
    ) -> HTMLResponse:
        zone = self.rules.policy.zone
        with self.sessions() as session:
            context: dict[str, Any] = {
                "purpose": purpose,
                "token": token,
                "error": error,
                "csrf": csrf_token(self.keys, token, f"decide-{purpose}"),
            }
            if purpose in ("approve", "reject"):
                req = service.request_target(session, grant)
                a = _assignment(session, req.assignment_id)
                context["request"] = {
                    "current_due_on": req.current_due_on,
                    "requested_due_on": req.requested_due_on,
                    "reason": req.reason,
                    "status": req.status,
                    "status_words": pages.REQUEST_WORDS.get(req.status, req.status),
                    "comment": req.decision_comment,
                }
                context["pending"] = req.status == "pending"
            else:
                report = service.review_target(session, grant)
                a = _assignment(session, report.assignment_id)
                context["report"] = pages.report_data(
                    session, report, f"/c/{purpose}/{token}/files", zone
                )
                context["pending"] = report.review_status == "pending" and a.status == "done"
            context["a"] = r.assignment_data(a)
            context["roadmap"] = r.roadmap_data(a)
            now = pages.standing_of(a, self.rules, self.today())
            context["status"] = now.kind
            context["status_words"] = now.words
        return self.page("decision.html", 400 if error else 200, **context)

    def decide(self, purpose: str, grant: tokens.Grant, comment: str) -> service.Outcome:
        now = self.clock()
        with self.sessions() as session, session.begin():
            ctx = self.context(grant, now)
            if purpose in ("approve", "reject"):
                return service.decide_extension(session, ctx, comment)
            return service.review_report(session, ctx, comment)


def _assignment(session: Session, assignment_id: int) -> Any:
    from kontrol.models import Assignment

    a = session.get(Assignment, assignment_id)
    if a is None:
        raise service.Forbidden("no assignment")
    return a


async def read_small_form(request: Request) -> dict[str, str]:
    """An urlencoded form of at most SMALL_FORM bytes, read as a stream; ``UploadError`` 413
    if larger, 400 if its text holds a NUL character."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > SMALL_FORM:
            raise uploads.UploadError(413, "Слишком длинная форма.")
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    fields = {k: v[-1] for k, v in parsed.items()}
    uploads.check_text(fields)
    return fields


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

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(API):
            return await http_exception_handler(request, exc)
        if exc.status_code == 404:
            return not_found()
        return portal.message("Запрос не выполнен", str(exc.detail), exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        """A path that names no page (a file id that is not one): 404, as for any other."""
        if request.url.path.startswith(API):
            # FastAPI's answer, but in ASCII: it echoes the input, which may hold an unpaired
            # surrogate (JSON's "\ud800") that UTF-8 cannot encode
            text = json.dumps({"detail": jsonable_encoder(exc.errors())}, ensure_ascii=True)
            return Response(text, 422, media_type="application/json")
        return not_found()

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        """An unexpected error: the Russian page (Starlette logs the traceback); the log line
        names the route's first part only — the path may carry a link."""
        log.error("server error on /%s: %s", request.url.path.split("/")[1], type(exc).__name__)
        if request.url.path.startswith(API):
            return JSONResponse({"detail": "internal error"}, status_code=500)
        return portal.message(
            "Ошибка на сервере",
            "Запрос не выполнен из-за ошибки на сервере. Повторите позже; если ошибка "
            "останется, ответьте на письмо с этой ссылкой.",
            500,
        )

    def not_found() -> Response:
        return portal.message("Страница не найдена", "Проверьте ссылку из письма.", 404)

    @app.exception_handler(tokens.InvalidLink)
    async def invalid_link(request: Request, exc: tokens.InvalidLink) -> Response:
        log.warning("refused link on %s: %s", request.url.path.split("/")[1], exc)
        return portal.refused()

    @app.exception_handler(service.Forbidden)
    async def forbidden(request: Request, exc: service.Forbidden) -> Response:
        log.warning("refused link on %s: %s", request.url.path.split("/")[1], exc)
        return portal.refused()

    @app.get("/", response_class=HTMLResponse)
    def home() -> HTMLResponse:
        return portal.message(
            "Страница исполнителя",
            "Откройте ссылку из письма о поручении: она ведёт прямо к нему.",
            200,
        )

    @app.get("/static/portal.css")
    def css() -> Response:
        return FileResponse(STATIC / "portal.css", media_type="text/css")

    @app.get("/a/{token}", response_class=HTMLResponse)
    def view(token: str, ok: str | None = None) -> HTMLResponse:
        grant = portal.grant(token, "view")
        return portal.executor_page(token, grant, ok=ok if ok in ("done", "extension") else None)

    @app.post("/a/{token}/done", openapi_extra=DONE_FORM)
    async def done(token: str, request: Request) -> Response:
        grant = portal.grant(token, "view")
        await run_in_threadpool(_check_executor, portal, grant)
        try:
            form = await uploads.parse_form(
                request.headers.get("content-type", ""),
                request.headers.get("content-length"),
                request.stream(),
                tmp_dir=portal.upload_dir / ".incoming",
                max_file_bytes=portal.config.max_upload_bytes,
            )
        except uploads.UploadError as exc:
            return portal.message("Файлы не приняты", exc.message, exc.status)
        try:
            if not csrf_ok(portal.keys, token, "done", form.fields.get(FIELD)):
                return portal.message(
                    "Форма устарела", "Обновите страницу и отправьте отчёт ещё раз.", 403
                )
            try:
                await run_in_threadpool(uploads.check, form.files)
                outcome = await run_in_threadpool(portal.submit, grant, form)
            except (uploads.UploadError, service.Invalid, service.Conflict) as exc:
                return await run_in_threadpool(
                    portal.executor_page,
                    token,
                    grant,
                    status=exc.status,
                    error=exc.message,
                    form=form.fields,
                )
        finally:
            form.cleanup()
        await run_in_threadpool(portal.emit_all, outcome)
        return RedirectResponse(f"/a/{token}?ok=done", status_code=303)

    @app.post("/a/{token}/extension", openapi_extra=EXTENSION_FORM)
    async def extension(token: str, request: Request) -> Response:
        grant = portal.grant(token, "view")
        await run_in_threadpool(_check_executor, portal, grant)
        try:
            fields = await read_small_form(request)
        except uploads.UploadError as exc:
            return portal.message("Запрос не выполнен", exc.message, exc.status)
        if not csrf_ok(portal.keys, token, "extension", fields.get(FIELD)):
            return portal.message("Форма устарела", "Обновите страницу и повторите.", 403)
        try:
            await run_in_threadpool(portal.extension, grant, fields)
        except (service.Invalid, service.Conflict) as exc:
            return await run_in_threadpool(
                portal.executor_page,
                token,
                grant,
                status=exc.status,
                error=exc.message,
                form=fields,
            )
        return RedirectResponse(f"/a/{token}?ok=extension", status_code=303)

    @app.get("/a/{token}/files/{file_id}")
    def executor_file(token: str, file_id: FileId) -> Response:
        return portal.file(portal.grant(token, "view"), file_id, service.attachment_for_executor)

    @app.get("/s/{token}", response_class=HTMLResponse)
    def oversee(token: str) -> HTMLResponse:
        return portal.oversee_page(token, portal.grant(token, tokens.OVERSEE))

    @app.get("/s/{token}/files/{file_id}")
    def supervisor_file(token: str, file_id: FileId) -> Response:
        grant = portal.grant(token, tokens.OVERSEE)
        return portal.file(grant, file_id, service.attachment_for_supervisor)

    @app.get("/o/{token}", response_class=HTMLResponse)
    def overview(token: str) -> HTMLResponse:
        return portal.overview_page(
            tokens.read_overview(
                token, secret_key=portal.keys, now=portal.clock(), ttl=portal.config.ttl
            )
        )

    @app.get("/c/{purpose}/{token}", response_class=HTMLResponse)
    def decision(purpose: str, token: str) -> HTMLResponse:
        grant = portal.grant(token, _purpose(purpose))
        return portal.decision_page(purpose, token, grant)

    @app.post("/c/{purpose}/{token}", openapi_extra=DECISION_FORM)
    async def decide(purpose: str, token: str, request: Request) -> Response:
        grant = portal.grant(token, _purpose(purpose))
        try:
            fields = await read_small_form(request)
        except uploads.UploadError as exc:
            return portal.message("Запрос не выполнен", exc.message, exc.status)
        if not csrf_ok(portal.keys, token, f"decide-{purpose}", fields.get(FIELD)):
            return portal.message("Форма устарела", "Обновите страницу и повторите.", 403)
        try:
            await run_in_threadpool(portal.decide, purpose, grant, fields.get("comment", ""))
        except service.Invalid as exc:
            return await run_in_threadpool(
                portal.decision_page, purpose, token, grant, error=exc.message
            )
        except service.Conflict as exc:
            return portal.message("Решение не принято", exc.message, 409)
        return RedirectResponse(f"/c/{purpose}/{token}", status_code=303)

    @app.get("/c/{purpose}/{token}/files/{file_id}")
    def reviewer_file(purpose: str, token: str, file_id: FileId) -> Response:
        if purpose not in ("accept", "return"):
            raise tokens.InvalidLink("no files behind this link")
        return portal.file(portal.grant(token, purpose), file_id, service.attachment_for_reviewer)

    app.include_router(
        events_router(lambda: App(settings, now=now()), senders_from_env, forward=forward)
    )
    return app


def _purpose(purpose: str) -> str:
    if purpose not in tokens.DECISIONS:
        raise tokens.InvalidLink("unknown purpose")
    return purpose


def _check_executor(portal: Portal, grant: tokens.Grant) -> None:
    """Refuse a link for another assignment before reading a byte of its upload."""
    with portal.sessions() as session:
        service.executor_assignment(session, grant)
