"""Extensions on the portal: the executor asks the curator for a later due date, the curator
approves (the due date moves, the ladder restarts) or refuses — each with its audit records and
its mail, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kontrol import assignments as state
from kontrol.errors import KontrolError
from kontrol.mail import compose
from kontrol.mail.render import body_name
from kontrol.models import Assignment, Body
from kontrol.models.report import ExtensionRequest
from kontrol.oversight import curator_of
from kontrol.portal.access import executor_assignment, request_target
from kontrol.portal.action_context import (
    REASON_LIMIT,
    Conflict,
    Context,
    Invalid,
    Outcome,
    closed_words,
    decide_once,
)
from kontrol.windows import OutOfWindow, assignment_window


def request_extension(
    session: Session, ctx: Context, new_due: str, reason: str
) -> tuple[Outcome, ExtensionRequest]:
    """Ask the curator for a later due date: a pending request and a mail with two links.

    The date must lie in the roadmap's window (``kontrol.windows``), so a request the curator
    could not approve is never made."""
    a = executor_assignment(session, ctx.grant)
    if not a.is_open:
        raise Conflict(closed_words(a))
    reason = reason.strip()
    if not reason:
        raise Invalid("Укажите причину переноса срока.")
    if len(reason) > REASON_LIMIT:
        raise Invalid(f"Причина — не длиннее {REASON_LIMIT} знаков.")
    to = _requested_date(ctx, a, new_due)
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
    _mail_request(session, ctx, a, req, curator)
    return Outcome("extension_requested"), req


def _requested_date(ctx: Context, a: Assignment, new_due: str) -> dt.date:
    """The date asked for, if the curator could approve it: in the window, later than the
    due date, a working day."""
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
    return to


def decide_extension(session: Session, ctx: Context, comment: str) -> Outcome:
    """Approve (move the due date, restart the ladder) or reject; the executor is told by mail."""
    req = request_target(session, ctx.grant)
    approved = ctx.grant.purpose == "approve"
    comment = comment.strip()[:REASON_LIMIT]
    a = session.get(Assignment, req.assignment_id)
    assert a is not None
    _claim(session, ctx, req, approved=approved, comment=comment)
    # the due date the approval moves from, as read under the row's lock (state.extend)
    old = _move(session, ctx, a, req) if approved else a.due_on
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
    ctx.mailer().extension_decision(
        session,
        a,
        approved=approved,
        old_due_on=old,
        decision_key=f"request-{req.id}",
        now=ctx.now,
        comment=comment or None,
    )
    return Outcome("approved" if approved else "rejected")


def _claim(
    session: Session, ctx: Context, req: ExtensionRequest, *, approved: bool, comment: str
) -> None:
    """Record the decision, if the request is still pending (one decision per request)."""
    stmt = (
        update(ExtensionRequest)
        .where(ExtensionRequest.id == req.id, ExtensionRequest.status == "pending")
        .values(
            status="approved" if approved else "rejected",
            decided_at=ctx.now,
            decided_via=ctx.grant.token_id,
            decision_comment=comment or None,
        )
    )
    decide_once(
        session,
        stmt,
        req,
        lambda: f"Решение по этой просьбе уже принято: {_request_words(req.status)}.",
    )


def _move(session: Session, ctx: Context, a: Assignment, req: ExtensionRequest) -> dt.date:
    """The approved date becomes the due date (its mail is the decision's own); the due date
    it replaced."""
    try:
        _, old = state.extend(
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
    return old


def _request_words(status: str) -> str:
    return {"approved": "срок перенесён", "rejected": "в переносе отказано"}.get(status, status)


def _mail_request(
    session: Session, ctx: Context, a: Assignment, req: ExtensionRequest, curator: Body | None
) -> None:
    """The request to the curator, with a link to approve it and one to refuse it (none
    without a curator: the row is failed, for all to see)."""
    urls = {}
    if curator is not None:
        for purpose in ("approve", "reject"):
            urls[purpose] = ctx.decision_url(purpose, a, curator.id, req.id)
    mailer = ctx.mailer()
    rendered = compose.extension_request(
        mailer.about(a),
        curator=body_name(curator) if curator is not None else None,
        request={
            "current_due_on": req.current_due_on,
            "requested_due_on": req.requested_due_on,
            "reason": req.reason,
        },
        approve_url=urls.get("approve", ""),
        reject_url=urls.get("reject", ""),
    )
    key = f"extension-request:{req.id}"
    mailer.to_curator(session, a, curator, rendered, key=key, kind="extension_request", now=ctx.now)
