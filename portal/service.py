"""What the executor page does, as functions of a session: no HTTP here, so tests can call them.

Each action runs inside the caller's transaction: the state change, its audit records and its
mails (outbox) commit together or not at all. The links are checked by the caller
(``portal.tokens``); here a grant is matched against the rows it names — a link for another
assignment, another body, or another request/report is ``Forbidden`` and changes nothing.

Errors: ``Forbidden`` (403: the link does not give this), ``Conflict`` (409: not possible in the
current state — already decided, not open), ``Invalid`` (400: the form is wrong, say what).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kontrol import assignments as state
from kontrol.assignment_events import assignment_event
from kontrol.config import Rules
from kontrol.errors import KontrolError
from kontrol.mail import outbox
from kontrol.mail import render as r
from kontrol.mail.links import make_link_for, signing_keys
from kontrol.models import Assignment, AuditEvent, Body
from kontrol.models.report import Attachment, ExtensionRequest, Report
from kontrol.naming import body_label, deployment_name
from kontrol.oversight import curator_of, is_overseer, supervises
from kontrol.portal import tokens, uploads
from kontrol.settings import Settings
from kontrol.windows import OutOfWindow, assignment_window

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


# ── access ──────────────────────────────────────────────────────────────────────────────────


def executor_assignment(session: Session, grant: tokens.Grant) -> Assignment:
    """The assignment of a view link, if it still belongs to the body the link names."""
    a = session.get(Assignment, grant.assignment_id)
    if a is None or a.body_id != grant.body_id:
        raise Forbidden("link does not match an assignment")
    return a


def supervised_assignment(session: Session, grant: tokens.Grant) -> Assignment:
    """The assignment of an oversee link, if the body it names supervises it — checked on each
    request, so a body that has left the chain since the digest loses the view with it."""
    a = session.get(Assignment, grant.assignment_id)
    if a is None or not supervises(session, a, grant.body_id):
        raise Forbidden("link does not name a supervisor of the assignment")
    return a


def overseer(session: Session, grant: tokens.Overview) -> Body:
    """The body of an overview link, if it oversees anything at all (some body escalates to it,
    or a roadmap names it curator or controller) — checked on each request."""
    body = session.get(Body, grant.body_id)
    if body is None or not is_overseer(session, body.id):
        raise Forbidden("link does not name a supervisor")
    return body


def occurrence_mates(session: Session, a: Assignment) -> list[Assignment]:
    """The other assignments of the same occurrence (co-executors, group members)."""
    return list(
        session.scalars(
            select(Assignment)
            .where(
                Assignment.obligation_id == a.obligation_id,
                Assignment.occurrence_key == a.occurrence_key,
                Assignment.id != a.id,
            )
            .order_by(Assignment.id)
        )
    )


def attachment_for_executor(session: Session, grant: tokens.Grant, file_id: int) -> Attachment:
    """A file the link may read: its own, or — for the lead — one of the same occurrence."""
    return _attachment_of(session, executor_assignment(session, grant), file_id)


def attachment_for_supervisor(session: Session, grant: tokens.Grant, file_id: int) -> Attachment:
    """The files the supervisor's page lists: those the executor's own page lists."""
    return _attachment_of(session, supervised_assignment(session, grant), file_id)


def _attachment_of(session: Session, a: Assignment, file_id: int) -> Attachment:
    att = session.get(Attachment, file_id)
    if att is None:
        raise Forbidden("no such file for this link")
    if att.assignment_id == a.id:
        return att
    other = session.get(Assignment, att.assignment_id)
    if (
        a.role == "lead"
        and other is not None
        and other.obligation_id == a.obligation_id
        and other.occurrence_key == a.occurrence_key
    ):
        return att
    raise Forbidden("no such file for this link")


def attachment_for_reviewer(session: Session, grant: tokens.Grant, file_id: int) -> Attachment:
    report = review_target(session, grant)
    att = session.get(Attachment, file_id)
    if att is None or att.assignment_id != report.assignment_id:
        raise Forbidden("no such file for this link")
    return att


def review_target(session: Session, grant: tokens.Grant) -> Report:
    report = session.get(Report, grant.ref)
    if (
        report is None
        or report.assignment_id != grant.assignment_id
        or report.reviewer_body_id != grant.body_id
    ):
        raise Forbidden("link does not match a report")
    return report


def request_target(session: Session, grant: tokens.Grant) -> ExtensionRequest:
    req = session.get(ExtensionRequest, grant.ref)
    if (
        req is None
        or req.assignment_id != grant.assignment_id
        or req.curator_body_id != grant.body_id
    ):
        raise Forbidden("link does not match an extension request")
    return req


# ── executor actions ────────────────────────────────────────────────────────────────────────


def submit_report(
    session: Session,
    ctx: Context,
    text: str,
    files: Sequence[uploads.IncomingFile],
    *,
    upload_dir: Path,
) -> Outcome:
    """Done with a report: status done, files kept, curator asked to accept (if on)."""
    a = executor_assignment(session, ctx.grant)
    text = text.strip()
    if not text and not files:
        raise Invalid("Напишите отчёт или приложите файл.")
    if not a.is_open:
        raise Conflict(_closed_words(a))
    try:
        state.mark_done(session, a.id, note=text or None, now=ctx.now, actor=ctx.actor)
    except KontrolError as exc:
        raise Conflict(str(exc)) from exc
    curator = curator_of(session, a) if ctx.acceptance else None
    report = Report(
        assignment_id=a.id,
        body_id=a.body_id,
        text=text,
        submitted_at=ctx.now,
        submitted_via=ctx.grant.token_id,
        review_status="pending" if curator is not None else "not_required",
        reviewer_body_id=curator.id if curator is not None else None,
    )
    session.add(report)
    session.flush()
    stored = []
    for f in files:
        path = uploads.store(upload_dir, f)
        att = Attachment(
            assignment_id=a.id,
            report_id=report.id,
            sha256=f.sha256,
            size=f.size,
            content_type=uploads.ALLOWED[f.kind][0],
            original_name=f.original_name,
            stored_path=path,
            uploaded_at=ctx.now,
            uploaded_by=a.body_id,
        )
        session.add(att)
        stored.append(att)
    session.flush()
    ctx.audit(
        session,
        a,
        "report_submitted",
        report=report.id,
        review=report.review_status,
        files=[{"id": s.id, "name": s.original_name, "sha256": s.sha256} for s in stored],
    )
    if curator is not None:
        _mail_report_review(session, ctx, a, report, stored, curator)
    item = a.obligation.item
    event = assignment_event(
        "completed",
        body_id=a.body_id,
        body_name=body_label(a.body),
        roadmap=item.roadmap.number,
        item=item.number,
        item_name=deployment_name(a.obligation),
        payload={
            "assignment": a.id,
            "occurrence": a.occurrence_key,
            "role": a.role,
            "due_on": a.due_on.isoformat(),
            "report": report.id,
            "files": len(stored),
        },
    )
    return Outcome("done", [event])


def request_extension(
    session: Session, ctx: Context, new_due: str, reason: str
) -> tuple[Outcome, ExtensionRequest]:
    """Ask the curator for a later due date: a pending request and a mail with two links.

    The date must lie in the roadmap's window (``kontrol.windows``), so a request the curator
    could not approve is never made."""
    a = executor_assignment(session, ctx.grant)
    if not a.is_open:
        raise Conflict(_closed_words(a))
    reason = reason.strip()
    if not reason:
        raise Invalid("Укажите причину переноса срока.")
    if len(reason) > REASON_LIMIT:
        raise Invalid(f"Причина — не длиннее {REASON_LIMIT} знаков.")
    try:
        to = dt.date.fromisoformat(new_due.strip())
    except ValueError:
        raise Invalid("Укажите новую дату срока.") from None
    try:
        OutOfWindow.check(assignment_window(a), to)
    except OutOfWindow as exc:
        raise Invalid(f"{exc.message[:1].upper()}{exc.message[1:]}.") from None
    if to <= a.due_on:
        raise Invalid(f"Новый срок должен быть позже действующего ({a.due_on:%d.%m.%Y}).")
    cal = ctx.rules.calendar
    if not cal.is_working_day(to):
        raise Invalid(
            f"{to:%d.%m.%Y} — нерабочий день. Выберите "
            f"{cal.last_working_day_on_or_before(to):%d.%m.%Y} или "
            f"{cal.first_working_day_on_or_after(to):%d.%m.%Y}."
        )
    pending = session.scalar(
        select(ExtensionRequest.id).where(
            ExtensionRequest.assignment_id == a.id, ExtensionRequest.status == "pending"
        )
    )
    if pending is not None:
        raise Conflict("Просьба о переносе срока уже отправлена и ждёт решения куратора.")
    curator = curator_of(session, a)
    req = ExtensionRequest(
        assignment_id=a.id,
        body_id=a.body_id,
        current_due_on=a.due_on,
        requested_due_on=to,
        reason=reason,
        requested_at=ctx.now,
        requested_via=ctx.grant.token_id,
        curator_body_id=curator.id if curator is not None else None,
        status="pending",
    )
    session.add(req)
    session.flush()
    ctx.audit(
        session,
        a,
        "extension_requested",
        request=req.id,
        from_due_on=str(a.due_on),
        to_due_on=str(to),
        reason=reason,
        curator=req.curator_body_id,
    )
    _mail_extension_request(session, ctx, a, req, curator)
    return Outcome("extension_requested"), req


# ── curator actions ─────────────────────────────────────────────────────────────────────────


def decide_extension(session: Session, ctx: Context, comment: str) -> Outcome:
    """Approve (move the due date, restart the ladder) or reject; the executor is told by mail."""
    req = request_target(session, ctx.grant)
    approved = ctx.grant.purpose == "approve"
    comment = comment.strip()[:REASON_LIMIT]
    a = session.get(Assignment, req.assignment_id)
    assert a is not None
    claimed = session.execute(
        update(ExtensionRequest)
        .where(ExtensionRequest.id == req.id, ExtensionRequest.status == "pending")
        .values(
            status="approved" if approved else "rejected",
            decided_at=ctx.now,
            decided_via=ctx.grant.token_id,
            decision_comment=comment or None,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(req)
        raise Conflict(f"Решение по этой просьбе уже принято: {_request_words(req.status)}.")
    old = a.due_on
    if approved:
        try:
            state.extend(
                session,
                a.id,
                to=req.requested_due_on,
                reason=req.reason,
                rules=ctx.rules,
                mailer=None,
                now=ctx.now,
                actor=ctx.actor,
            )
        except OutOfWindow as exc:  # asked for before the form checked the window
            raise Conflict(
                f"Срок перенести нельзя: {exc}. Отклоните просьбу — исполнитель сможет "
                "попросить другую дату."
            ) from None
        except KontrolError as exc:
            raise Conflict(f"Срок перенести нельзя: {exc}") from exc
    ctx.audit(
        session,
        a,
        "extension_approved" if approved else "extension_rejected",
        request=req.id,
        from_due_on=str(old),
        to_due_on=str(req.requested_due_on),
        comment=comment or None,
    )
    session.flush()
    session.refresh(a)
    outbox.enqueue_extension_decision(
        session,
        a,
        approved=approved,
        old_due_on=old,
        decision_key=f"request-{req.id}",
        settings=ctx.settings,
        now=ctx.now,
        comment=comment or None,
    )
    return Outcome("approved" if approved else "rejected")


def review_report(session: Session, ctx: Context, comment: str) -> Outcome:
    """Accept («снять с контроля») or return for rework (the assignment is open again)."""
    report = review_target(session, ctx.grant)
    accept = ctx.grant.purpose == "accept"
    comment = comment.strip()[:REASON_LIMIT]
    if not accept and not comment:
        raise Invalid("Напишите, что нужно доработать.")
    a = session.get(Assignment, report.assignment_id)
    assert a is not None
    if a.status != "done":
        raise Conflict("Поручение уже не в статусе «выполнено»: решение по отчёту не нужно.")
    claimed = session.execute(
        update(Report)
        .where(Report.id == report.id, Report.review_status == "pending")
        .values(
            review_status="accepted" if accept else "returned",
            reviewed_at=ctx.now,
            reviewed_via=ctx.grant.token_id,
            review_comment=comment or None,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(report)
        raise Conflict(f"Решение по отчёту уже принято: {_review_words(report.review_status)}.")
    if accept:
        ctx.audit(session, a, "report_accepted", report=report.id, comment=comment or None)
        return Outcome("accepted")
    reopened = "overdue" if ctx.today > a.due_on else "issued"
    a.status, a.completed_at = reopened, None
    ctx.audit(session, a, "report_returned", report=report.id, comment=comment, to_status=reopened)
    session.flush()
    session.refresh(report)
    _mail_report_returned(session, ctx, a, report)
    return Outcome("returned")


def reopen_words(status: str) -> str:
    return {"issued": "на исполнении", "overdue": "просрочено"}.get(status, status)


def _closed_words(a: Assignment) -> str:
    if a.status == "done":
        return "Поручение уже отмечено как выполненное."
    if a.status == "cancelled":
        return "Поручение отменено."
    return "Поручение закрыто."


def _request_words(status: str) -> str:
    return {"approved": "срок перенесён", "rejected": "в переносе отказано"}.get(status, status)


def _review_words(status: str) -> str:
    return {"accepted": "снято с контроля", "returned": "возвращено на доработку"}.get(
        status, status
    )


# ── mails (new kinds; templates under templates/email/) ────────────────────────────────────


def render_mail(kind: str, context: dict[str, Any]) -> r.Rendered:
    """Like ``render.render`` for the portal's own kinds (its list of kinds is not ours)."""
    env = r.environment()
    subject = env.get_template(f"{kind}.subject.txt").render(context)
    text = env.get_template(f"{kind}.txt").render(context)
    html = env.get_template(f"{kind}.html").render(context)
    return r.Rendered(r.one_line(subject), text, html)


def _url(ctx: Context, path: str) -> str:
    return f"{ctx.settings.portal_base_url.rstrip('/')}{path}"


def _decision_url(ctx: Context, purpose: str, a: Assignment, body_id: str, ref: int) -> str:
    token = tokens.decision_token(
        purpose, a.id, body_id, ref, secret_key=signing_keys(ctx.settings), clock=lambda: ctx.now
    )
    return _url(ctx, f"/c/{purpose}/{token}")


def _context(ctx: Context, a: Assignment, **extra: Any) -> dict[str, Any]:
    return r.assignment_context(
        a,
        portal_base_url=ctx.settings.portal_base_url,
        link_for=make_link_for(ctx.settings),
        **extra,
    )


def _first_address(body: Body) -> str | None:
    addresses = outbox.body_addresses(body)
    return addresses[0] if addresses else None


def _mail_extension_request(
    session: Session, ctx: Context, a: Assignment, req: ExtensionRequest, curator: Body | None
) -> None:
    urls = {}
    if curator is not None:
        for purpose in ("approve", "reject"):
            urls[purpose] = _decision_url(ctx, purpose, a, curator.id, req.id)
    rendered = render_mail(
        "extension_request",
        _context(
            ctx,
            a,
            recipient=r.body_name(curator) if curator is not None else None,
            request={
                "current_due_on": req.current_due_on,
                "requested_due_on": req.requested_due_on,
                "reason": req.reason,
            },
            approve_url=urls.get("approve", ""),
            reject_url=urls.get("reject", ""),
        ),
    )
    outbox.enqueue(
        session,
        key=f"extension-request:{req.id}",
        kind="extension_request",
        to=outbox.body_addresses(curator) if curator is not None else [],
        reply_to=_first_address(a.body),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        assignment_id=a.id,
        roadmap_id=a.obligation.item.roadmap_id,
        recipient_body_id=curator.id if curator is not None else None,
        now=ctx.now,
    )


def _mail_report_review(
    session: Session,
    ctx: Context,
    a: Assignment,
    report: Report,
    files: Sequence[Attachment],
    curator: Body,
) -> None:
    rendered = render_mail(
        "report_review",
        _context(
            ctx,
            a,
            recipient=r.body_name(curator),
            report={
                "text": report.text,
                "files": [{"name": f.original_name, "size": f.size} for f in files],
                "submitted_at": report.submitted_at,
            },
            accept_url=_decision_url(ctx, "accept", a, curator.id, report.id),
            return_url=_decision_url(ctx, "return", a, curator.id, report.id),
        ),
    )
    outbox.enqueue(
        session,
        key=f"report-review:{report.id}",
        kind="report_review",
        to=outbox.body_addresses(curator),
        reply_to=_first_address(a.body),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        assignment_id=a.id,
        roadmap_id=a.obligation.item.roadmap_id,
        recipient_body_id=curator.id,
        now=ctx.now,
    )


def _mail_report_returned(session: Session, ctx: Context, a: Assignment, report: Report) -> None:
    rendered = render_mail(
        "report_returned",
        _context(ctx, a, comment=report.review_comment or "", status_words=reopen_words(a.status)),
    )
    outbox.enqueue(
        session,
        key=f"report-returned:{report.id}",
        kind="report_returned",
        to=outbox.body_addresses(a.body),
        reply_to=outbox.curator_address(a.body),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        assignment_id=a.id,
        roadmap_id=a.obligation.item.roadmap_id,
        recipient_body_id=a.body_id,
        now=ctx.now,
    )
