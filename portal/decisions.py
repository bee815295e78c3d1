"""The curator's decision routes (``/c/{purpose}/{token}``): approve or reject an extension,
accept or return a report. Nothing changes on GET — mail scanners open links — the decision
is the POST of the page's form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kontrol.mail import render as r
from kontrol.models import Assignment
from kontrol.portal import pages, service, tokens, uploads
from kontrol.portal.csrf import FIELD, csrf_ok, csrf_token
from kontrol.portal.downloads import FileId, send_file
from kontrol.portal.forms import DECISION_FORM, read_small_form
from kontrol.portal.state import Portal, PortalDep

router = APIRouter()


def _assignment(session: Session, assignment_id: int) -> Assignment:
    a = session.get(Assignment, assignment_id)
    if a is None:
        raise service.Forbidden("no assignment")
    return a


def _purpose(purpose: str) -> str:
    if purpose not in tokens.DECISIONS:
        raise tokens.InvalidLink("unknown purpose")
    return purpose


def _target(
    portal: Portal, session: Session, purpose: str, token: str, grant: tokens.Grant
) -> tuple[Assignment, dict[str, Any]]:
    """The assignment behind the link and what the page shows of the request or report."""
    if purpose in ("approve", "reject"):
        req = service.request_target(session, grant)
        request = {
            "current_due_on": req.current_due_on,
            "requested_due_on": req.requested_due_on,
            "reason": req.reason,
            "status": req.status,
            "status_words": pages.REQUEST_WORDS.get(req.status, req.status),
            "comment": req.decision_comment,
        }
        return _assignment(session, req.assignment_id), {
            "request": request,
            "pending": req.status == "pending",
        }
    report = service.review_target(session, grant)
    a = _assignment(session, report.assignment_id)
    data = pages.report_data(
        session, report, f"/c/{purpose}/{token}/files", portal.rules.policy.zone
    )
    return a, {"report": data, "pending": report.review_status == "pending" and a.status == "done"}


def decision_page(
    portal: Portal, purpose: str, token: str, grant: tokens.Grant, *, error: str | None = None
) -> HTMLResponse:
    with portal.sessions() as session:
        context: dict[str, Any] = {
            "purpose": purpose,
            "token": token,
            "error": error,
            "csrf": csrf_token(portal.keys, token, f"decide-{purpose}"),
        }
        a, target = _target(portal, session, purpose, token, grant)
        context.update(target)
        context["a"] = r.assignment_data(a)
        context["roadmap"] = r.roadmap_data(a)
        now = pages.standing_of(a, portal.rules, portal.today())
        context["status"] = now.kind
        context["status_words"] = now.words
    return portal.page("decision.html", 400 if error else 200, **context)


def record_decision(
    portal: Portal, purpose: str, grant: tokens.Grant, comment: str
) -> service.Outcome:
    now = portal.clock()
    with portal.sessions() as session, session.begin():
        ctx = portal.context(grant, now)
        if purpose in ("approve", "reject"):
            return service.decide_extension(session, ctx, comment)
        return service.review_report(session, ctx, comment)


@router.get("/c/{purpose}/{token}", response_class=HTMLResponse)
def decision(purpose: str, token: str, portal: PortalDep) -> HTMLResponse:
    grant = portal.grant(token, _purpose(purpose))
    return decision_page(portal, purpose, token, grant)


@router.post("/c/{purpose}/{token}", openapi_extra=DECISION_FORM)
async def decide(purpose: str, token: str, request: Request, portal: PortalDep) -> Response:
    grant = portal.grant(token, _purpose(purpose))
    try:
        fields = await read_small_form(request)
    except uploads.UploadError as exc:
        return portal.message("Запрос не выполнен", exc.message, exc.status)
    if not csrf_ok(portal.keys, token, f"decide-{purpose}", fields.get(FIELD)):
        return portal.message("Форма устарела", "Обновите страницу и повторите.", 403)
    try:
        await run_in_threadpool(record_decision, portal, purpose, grant, fields.get("comment", ""))
    except service.Invalid as exc:
        return await run_in_threadpool(
            decision_page, portal, purpose, token, grant, error=exc.message
        )
    except service.Conflict as exc:
        return portal.message("Решение не принято", exc.message, 409)
    return RedirectResponse(f"/c/{purpose}/{token}", status_code=303)


@router.get("/c/{purpose}/{token}/files/{file_id}")
def reviewer_file(purpose: str, token: str, file_id: FileId, portal: PortalDep) -> Response:
    if purpose not in ("accept", "return"):
        raise tokens.InvalidLink("no files behind this link")
    return send_file(portal, portal.grant(token, purpose), file_id, service.attachment_for_reviewer)
