"""Reports on the portal: the executor reports an assignment done, the curator accepts the report
or returns it for rework — each with its audit records and its mail, in the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from kontrol import assignments as state
from kontrol.assignment_events import Event, assignment_event
from kontrol.errors import KontrolError
from kontrol.mail import compose
from kontrol.mail.render import body_name
from kontrol.models import Assignment, Body
from kontrol.models.report import Attachment, Report
from kontrol.naming import body_label, deployment_name
from kontrol.oversight import curator_of
from kontrol.portal import uploads
from kontrol.portal.access import executor_assignment, review_target
from kontrol.portal.action_context import (
    REASON_LIMIT,
    Conflict,
    Context,
    Invalid,
    Outcome,
    closed_words,
    decide_once,
)


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
        raise Conflict(closed_words(a))
    # mark_done holds the row and reads it as it is: a report or a cancel committed since the
    # check above (a second tab, a reply by mail, a person) is refused in the page's words
    try:
        _, changed = state.mark_done(session, a.id, note=text or None, now=ctx.now, actor=ctx.actor)
    except KontrolError as exc:
        raise Conflict(closed_words(a) if not a.is_open else str(exc)) from exc
    if not changed:
        raise Conflict(closed_words(a))
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
    stored = _store(session, ctx, a, report, files, upload_dir)
    ctx.audit(
        session,
        a,
        "report_submitted",
        report=report.id,
        review=report.review_status,
        files=[{"id": s.id, "name": s.original_name, "sha256": s.sha256} for s in stored],
    )
    if curator is not None:
        _mail_review(session, ctx, a, report, stored, curator)
    return Outcome("done", [_completed(a, report, len(stored))])


def _store(
    session: Session,
    ctx: Context,
    a: Assignment,
    report: Report,
    files: Sequence[uploads.IncomingFile],
    upload_dir: Path,
) -> list[Attachment]:
    """The report's files, kept on disk and listed in the database."""
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
    return stored


def _completed(a: Assignment, report: Report, files: int) -> Event:
    """The Prefect event of a completed assignment."""
    item = a.obligation.item
    return assignment_event(
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
            "files": files,
        },
    )


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
    stmt = (
        update(Report)
        .where(Report.id == report.id, Report.review_status == "pending")
        .values(
            review_status="accepted" if accept else "returned",
            reviewed_at=ctx.now,
            reviewed_via=ctx.grant.token_id,
            review_comment=comment or None,
        )
    )
    decide_once(
        session,
        stmt,
        report,
        lambda: f"Решение по отчёту уже принято: {_review_words(report.review_status)}.",
    )
    if accept:
        ctx.audit(session, a, "report_accepted", report=report.id, comment=comment or None)
        return Outcome("accepted")
    reopened = "overdue" if ctx.today > a.due_on else "issued"
    a.status, a.completed_at = reopened, None
    ctx.audit(session, a, "report_returned", report=report.id, comment=comment, to_status=reopened)
    session.flush()
    session.refresh(report)
    ctx.mailer().report_returned(
        session,
        a,
        report_id=report.id,
        comment=report.review_comment or "",
        status_words=reopen_words(a.status),
        now=ctx.now,
    )
    return Outcome("returned")


def reopen_words(status: str) -> str:
    return {"issued": "на исполнении", "overdue": "просрочено"}.get(status, status)


def _review_words(status: str) -> str:
    return {"accepted": "снято с контроля", "returned": "возвращено на доработку"}.get(
        status, status
    )


def _mail_review(
    session: Session,
    ctx: Context,
    a: Assignment,
    report: Report,
    files: Sequence[Attachment],
    curator: Body,
) -> None:
    """The report to the curator, with a link to accept it and one to return it."""
    mailer = ctx.mailer()
    rendered = compose.report_review(
        mailer.about(a),
        curator=body_name(curator),
        report={
            "text": report.text,
            "files": [{"name": f.original_name, "size": f.size} for f in files],
            "submitted_at": report.submitted_at,
        },
        accept_url=ctx.decision_url("accept", a, curator.id, report.id),
        return_url=ctx.decision_url("return", a, curator.id, report.id),
    )
    key = f"report-review:{report.id}"
    mailer.to_curator(session, a, curator, rendered, key=key, kind="report_review", now=ctx.now)
