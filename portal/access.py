"""Which rows a portal link gives: a grant (``portal.tokens``) matched against the rows it names.

A link for another assignment, another body, or another request/report is ``Forbidden`` and
shows nothing; a supervisor's standing is checked on each request, so a body that has left the
chain loses the view with it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol.models import Assignment, Body
from kontrol.models.report import Attachment, ExtensionRequest, Report
from kontrol.oversight import is_overseer, supervises
from kontrol.portal import tokens
from kontrol.portal.action_context import Forbidden


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
    if report is None or not _decides(grant, report.assignment_id, report.reviewer_body_id):
        raise Forbidden("link does not match a report")
    return report


def request_target(session: Session, grant: tokens.Grant) -> ExtensionRequest:
    req = session.get(ExtensionRequest, grant.ref)
    if req is None or not _decides(grant, req.assignment_id, req.curator_body_id):
        raise Forbidden("link does not match an extension request")
    return req


def _decides(grant: tokens.Grant, assignment_id: int, decider: str | None) -> bool:
    """Whether a decision link names the row's assignment and the body that decides on it."""
    return assignment_id == grant.assignment_id and decider == grant.body_id
