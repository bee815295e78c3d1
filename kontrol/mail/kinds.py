"""Every kind of mail kontrol sends, in one place: its template triple, its composer, its writer.

A kind's ``stem`` names its triple under ``templates/email/`` (``{stem}.subject.txt``,
``{stem}.txt``, ``{stem}.html``; files starting with ``_`` are shared partials) and is the
outbox row's ``kind`` (the ``X-Kontrol-Kind`` header). Two variants of one letter share a stem
and a composer: the week's summary is the supervisor's digest with ``weekly``, an approved and
a refused extension are one decision. Every mail is composed from plain values
(``kontrol.mail.compose``), rendered by ``kontrol.mail.render`` and written, built whole, by
``kontrol.mail.outbox.enqueue``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kontrol.mail import compose
from kontrol.mail.render import Rendered


@dataclass(frozen=True)
class Kind:
    name: str
    stem: str
    compose: Callable[..., Rendered]
    written_by: str  # who writes it, through which writer


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "assignment_issued",
            "assignment_issued",
            compose.assignment_issued,
            "kontrol.issuing.issue_occurrence (a command, the cycle flow, and an event through "
            "kontrol.event_issuing) → Mailer.assignment_issued",
        ),
        Kind("reminder", "reminder", compose.reminder, "kontrol.sweep → Mailer.reminder"),
        Kind(
            "overdue_notice",
            "overdue_notice",
            compose.overdue_notice,
            "kontrol.sweep → Mailer.overdue_notice (the executor alone; the body it escalates "
            "to is named in it and hears of it in its digest)",
        ),
        Kind(
            "supervisor_digest",
            "supervisor_digest",
            compose.supervisor_digest,
            "kontrol.sweep, stage 2 → Mailer.digest",
        ),
        Kind(
            "weekly_summary",
            "supervisor_digest",
            compose.supervisor_digest,
            "kontrol.sweep, stage 2 on the week's first working day → Mailer.digest(weekly=True)",
        ),
        Kind(
            "extension_approved",
            "extension_decision",
            compose.extension_decision,
            "portal (the curator approves), kontrol.assignments.extend → Mailer.extension_decision",
        ),
        Kind(
            "extension_refused",
            "extension_decision",
            compose.extension_decision,
            "portal (the curator refuses) → Mailer.extension_decision",
        ),
        Kind(
            "extension_request",
            "extension_request",
            compose.extension_request,
            "portal (the executor asks; to the curator, with its signed decision links) → "
            "compose.extension_request, Mailer.to_curator",
        ),
        Kind(
            "roadmap_retired",
            "roadmap_retired",
            compose.roadmap_retired,
            "kontrol.retirement (`kontrol retire`, or the sweep on the day a decree becomes "
            "void) → kontrol.retirement.tell, one per executor",
        ),
        Kind(
            "report_review",
            "report_review",
            compose.report_review,
            "portal (the executor reports; to the curator, with its signed decision links) → "
            "compose.report_review, Mailer.to_curator",
        ),
        Kind(
            "report_returned",
            "report_returned",
            compose.report_returned,
            "portal (the curator returns the report) → Mailer.report_returned",
        ),
        Kind(
            "reply_answer",
            "reply_answer",
            compose.reply_answer,
            "kontrol.portal.reply_fetch (a reply by mail that cannot be taken, judged by "
            "kontrol.portal.replies; never to an auto-reply or a bounce) → Mailer.reply_answer",
        ),
        Kind(
            "annual_report",
            "annual_report",
            compose.annual_report,
            "kontrol.flows.monitoring → kontrol.reporting.mailing.enqueue_report",
        ),
    )
}
STEMS = tuple(sorted({kind.stem for kind in KINDS.values()}))
