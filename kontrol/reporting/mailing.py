"""The annual report mailed to the controller and the curators, through the outbox.

One row per recipient, keyed ``report:<roadmap>:<period>:<body>``: a re-run of the monitoring
flow finds the rows already there and adds nothing (the outbox's unique key decides). The
mail is the registry's ``annual_report`` (``kontrol.mail.kinds``): its figures are read here
into plain values, composed and written by the mail code like every other mail.
"""

from __future__ import annotations

import base64
import datetime as dt

from sqlalchemy.orm import Session

from kontrol.mail import compose
from kontrol.mail.mailer import body_addresses
from kontrol.mail.outbox import Letter, Postmark, enqueue
from kontrol.models import Body, Roadmap
from kontrol.reporting.figures import Report
from kontrol.reporting.markdown import markdown_report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_recipients(session: Session, roadmap: Roadmap) -> list[Body]:
    """The controller first, then the curators, each once; bodies unknown to the directory
    are skipped (the import already reported them)."""
    ids = [roadmap.controller_body_id, *(c.body_id for c in roadmap.curators)]
    seen: list[Body] = []
    for body_id in ids:
        body = session.get(Body, body_id) if body_id else None
        if body is not None and body not in seen:
            seen.append(body)
    return seen


def report_key(roadmap: Roadmap, report: Report, body_id: str) -> str:
    return f"report:{roadmap.number}:{report.label}:{body_id}"


def workbook_filename(report: Report) -> str:
    return f"kontrol-report-{report.label.replace('.', '-').replace('–', '_')}.xlsx"


def report_facts(report: Report) -> compose.AnnualReport:
    """What the mail shows of the report, as plain values."""
    return compose.AnnualReport(
        roadmap_number=report.roadmap_number,
        roadmap_adopted_on=report.roadmap_adopted_on,
        label=report.label,
        as_of=report.as_of,
        total=report.total.to_json(),
        formula=report.formula,
        text=markdown_report(report),
    )


def enqueue_report(
    session: Session,
    roadmap: Roadmap,
    report: Report,
    *,
    workbook: bytes,
    postmark: Postmark,
    now: dt.datetime,
) -> list[int]:
    """Write the report mails in the caller's transaction; the ids of the rows created."""
    attachment = {
        "filename": workbook_filename(report),
        "content_type": XLSX,
        "encoding": "base64",
        "content": base64.b64encode(workbook).decode("ascii"),
    }
    facts = report_facts(report)
    created = []
    for body in report_recipients(session, roadmap):
        letter = Letter(
            key=report_key(roadmap, report, body.id),
            kind="annual_report",
            to=body_addresses(body),
            rendered=compose.annual_report(facts, person=body.person),
            attachments=[attachment],
            roadmap_id=roadmap.id,
            recipient_body_id=body.id,
        )
        row = enqueue(session, letter, postmark=postmark, now=now)
        if row is not None:
            created.append(row.id)
    return created
