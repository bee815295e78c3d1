"""The annual report mailed to the controller and the curators, through the outbox.

One row per recipient, keyed ``report:<roadmap>:<period>:<body>``: a re-run of the monitoring
flow finds the rows already there and adds nothing (the outbox's unique key decides).
"""

from __future__ import annotations

import base64
import datetime as dt

from sqlalchemy.orm import Session

from kontrol.mail.outbox import body_addresses, enqueue
from kontrol.models import Body, Roadmap
from kontrol.reporting.figures import Report
from kontrol.reporting.html import environment
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


def enqueue_report(
    session: Session, roadmap: Roadmap, report: Report, *, workbook: bytes, now: dt.datetime
) -> list[int]:
    """Write the report mails in the caller's transaction; the ids of the rows created."""
    subject = f"Отчёт об исполнении дорожной карты № {roadmap.number} за {report.label}"
    attachment = {
        "filename": workbook_filename(report),
        "content_type": XLSX,
        "encoding": "base64",
        "content": base64.b64encode(workbook).decode("ascii"),
    }
    text = markdown_report(report)
    created = []
    for body in report_recipients(session, roadmap):
        greeting = f"Уважаемый(ая) {body.person}!" if body.person else "Добрый день!"
        html = (
            environment()
            .get_template("mail.html")
            .render(r=report, subject=subject, greeting=greeting)
        )
        row = enqueue(
            session,
            key=report_key(roadmap, report, body.id),
            kind="annual_report",
            to=body_addresses(body),
            subject=subject,
            text=f"{greeting}\n\n{text}",
            html=html,
            attachments=[attachment],
            roadmap_id=roadmap.id,
            recipient_body_id=body.id,
            now=now,
        )
        if row is not None:
            created.append(row.id)
    return created
