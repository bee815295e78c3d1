"""What the portal's pages do, as functions of a session: no HTTP here, so tests can call them.

Each action runs inside the caller's transaction: the state change, its audit records and its
mails (outbox) commit together or not at all. The links are checked by the caller
(``portal.tokens``); here a grant is matched against the rows it names — a link for another
assignment, another body, or another request/report is ``Forbidden`` and changes nothing.

The pages use this module as the one name for all of it; the work is done in
``action_context`` (errors, the context, the outcome), ``access`` (which rows a link gives),
``report_actions`` and ``extension_actions``. Their mails are written by the one mail code
(``kontrol.mail.mailer``), like every other mail.
"""

from __future__ import annotations

from kontrol.portal.access import (
    attachment_for_executor,
    attachment_for_reviewer,
    attachment_for_supervisor,
    executor_assignment,
    occurrence_mates,
    overseer,
    request_target,
    review_target,
    supervised_assignment,
)
from kontrol.portal.action_context import (
    REASON_LIMIT,
    Conflict,
    Context,
    Emitter,
    Forbidden,
    Invalid,
    Outcome,
    PortalError,
    prefect_emitter,
)
from kontrol.portal.extension_actions import decide_extension, request_extension
from kontrol.portal.report_actions import reopen_words, review_report, submit_report

__all__ = [
    "REASON_LIMIT",
    "Conflict",
    "Context",
    "Emitter",
    "Forbidden",
    "Invalid",
    "Outcome",
    "PortalError",
    "attachment_for_executor",
    "attachment_for_reviewer",
    "attachment_for_supervisor",
    "decide_extension",
    "executor_assignment",
    "occurrence_mates",
    "overseer",
    "prefect_emitter",
    "reopen_words",
    "request_extension",
    "request_target",
    "review_report",
    "review_target",
    "submit_report",
    "supervised_assignment",
]
