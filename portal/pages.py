"""What the pages show, as plain data: the assignment, its reports and files, its history.

Templates get dicts and strings only (autoescaped by Jinja2); nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol import oversight, standing
from kontrol.config import Rules
from kontrol.mail import digest, russian
from kontrol.mail import render as r
from kontrol.models import Assignment, AuditEvent, Body, Roadmap
from kontrol.models.base import utc
from kontrol.models.report import Attachment, ExtensionRequest, Report
from kontrol.portal import tokens, uploads
from kontrol.portal.service import occurrence_mates
from kontrol.settings import Settings

REVIEW_WORDS = {
    "pending": "ждёт решения куратора",
    "accepted": "принят, поручение снято с контроля",
    "returned": "возвращён на доработку",
    "not_required": "принят без проверки куратором",
}
REQUEST_WORDS = {"pending": "ждёт решения", "approved": "одобрена", "rejected": "отклонена"}


class PortalSettings(BaseModel):
    """The portal's own knobs, read from ``KONTROL_PORTAL_*`` with the other settings
    (``Settings.portal_*``, checked at load time); unset there, these defaults."""

    model_config = ConfigDict(validate_default=True)

    link_ttl_days: int = Field(60, gt=0, le=3650)
    max_upload_mb: float = Field(20, gt=0, le=1024)
    report_acceptance: bool = True

    @classmethod
    def of(cls, settings: Settings) -> PortalSettings:
        """The portal's settings ``settings`` sets, the defaults for the others."""
        values = {
            name: getattr(settings, f"portal_{name}")
            for name in cls.model_fields
            if getattr(settings, f"portal_{name}") is not None
        }
        return cls(**values)

    @property
    def ttl(self) -> dt.timedelta:
        return dt.timedelta(days=self.link_ttl_days)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


def local_words(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else f"{utc(moment).astimezone(zone):%d.%m.%Y %H:%M}"


def size_words(size: int) -> str:
    if size < 1024:
        return f"{size} Б"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} КБ"
    return f"{size / 1024 / 1024:.1f} МБ"


def _actor_words(session: Session, actor: str) -> str:
    if actor.startswith("portal:"):
        body = session.get(Body, actor.removeprefix("portal:").split(" ", 1)[0])
        return r.body_name(body) if body is not None else "по ссылке"
    return "kontrol"


def _event_words(e: AuditEvent) -> str:
    d = e.details or {}

    def date(key: str) -> str:
        value = d.get(key)
        return russian.short_date(dt.date.fromisoformat(value)) if value else "?"

    action = e.action
    if action == "issued":
        return f"Поручение выдано, срок {date('due_on')}"
    if action == "ladder-step":
        step = str(d.get("step", ""))
        if step.startswith("reminder-"):
            return f"Напоминание: до срока {russian.working_days(int(step.split('-')[1]))}"
        if step == "overdue":
            return "Уведомление о просрочке"
        return "Просрочка доложена " + ("куратору" if step == "curator" else "контролёру")
    words = {
        "overdue": "Срок истёк: поручение просрочено",
        "done": "Отмечено как выполненное",
        "cancelled": f"Поручение отменено: {d.get('reason', '')}",
        "extended": f"Срок перенесён с {date('from_due_on')} на {date('to_due_on')}",
        "report_submitted": "Отправлен отчёт",
        "extension_requested": f"Запрошен перенос срока на {date('to_due_on')}: "
        f"{d.get('reason', '')}",
        "extension_approved": "Перенос срока одобрен",
        "extension_rejected": "В переносе срока отказано",
        "report_accepted": "Отчёт принят, поручение снято с контроля",
        "report_returned": f"Отчёт возвращён на доработку: {d.get('comment', '')}",
    }
    return words.get(action, action)


def history(session: Session, a: Assignment, zone: ZoneInfo) -> list[dict[str, str]]:
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.assignment_id == a.id).order_by(AuditEvent.id)
    )
    return [
        {
            "at": local_words(e.at, zone),
            "what": _event_words(e),
            "who": _actor_words(session, e.actor),
        }
        for e in events
    ]


def files_of(session: Session, report: Report, url: str) -> list[dict[str, Any]]:
    """``url`` is the file route's prefix for the link in hand (executor or reviewer)."""
    rows = session.scalars(
        select(Attachment).where(Attachment.report_id == report.id).order_by(Attachment.id)
    )
    return [
        {
            "name": f.original_name,
            "size": size_words(f.size),
            "kind": next((v[1] for v in uploads.ALLOWED.values() if v[0] == f.content_type), ""),
            "url": f"{url}/{f.id}",
        }
        for f in rows
    ]


def report_data(session: Session, report: Report, url: str, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": report.id,
        "text": report.text,
        "submitted_at": local_words(report.submitted_at, zone),
        "review": report.review_status,
        "review_words": REVIEW_WORDS.get(report.review_status, report.review_status),
        "review_comment": report.review_comment,
        "reviewed_at": local_words(report.reviewed_at, zone),
        "files": files_of(session, report, url),
    }


def reports_of(session: Session, a: Assignment, url: str, zone: ZoneInfo) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Report).where(Report.assignment_id == a.id).order_by(Report.id.desc())
    )
    return [report_data(session, rep, url, zone) for rep in rows]


def standing_of(a: Assignment, rules: Rules, today: dt.date) -> standing.Standing:
    """Where ``a`` stands today: the portal says what status and the report say."""
    return standing.of(a, today, calendar=rules.calendar, zone=rules.policy.zone)


def assignment_page(
    session: Session, a: Assignment, grant: tokens.Grant, *, base: str, rules: Rules, today: dt.date
) -> dict[str, Any]:
    """Everything the executor page shows for the link ``base`` (``/a/{token}``)."""
    zone = rules.policy.zone
    files_url = f"{base}/files"
    now = standing_of(a, rules, today)
    team = []
    if a.role == "lead":
        for m in occurrence_mates(session, a):
            team.append(
                {
                    "body": r.body_name(m.body),
                    "role": r.ROLE_WORDS.get(m.role, m.role),
                    "status": standing_of(m, rules, today).words,
                    "due_on": m.due_on,
                    "reports": reports_of(session, m, files_url, zone),
                }
            )
    requests = session.scalars(
        select(ExtensionRequest)
        .where(ExtensionRequest.assignment_id == a.id)
        .order_by(ExtensionRequest.id.desc())
    )
    return {
        "a": r.assignment_data(a),
        "roadmap": r.roadmap_data(a),
        "status": now.kind,
        "status_words": now.words,
        "is_open": a.is_open,
        "completed_at": local_words(a.completed_at, zone),
        "reports": reports_of(session, a, files_url, zone),
        "team": team,
        "requests": [
            {
                "to": q.requested_due_on,
                "reason": q.reason,
                "status": q.status,
                "status_words": REQUEST_WORDS.get(q.status, q.status),
                "comment": q.decision_comment,
                "at": local_words(q.requested_at, zone),
            }
            for q in requests
        ],
        "history": history(session, a, zone),
    }


def overview_page(
    session: Session,
    body: Body,
    *,
    today: dt.date,
    rules: Rules,
    link: Callable[[int], str],
) -> dict[str, Any]:
    """Everything overdue under ``body`` on ``today``, grouped as in its daily mail but whole;
    ``link(assignment_id)`` is the path of the read-only view of one assignment."""
    lines = [o.line() for o in oversight.overdue_under(session, body.id, today, rules)]
    return {
        "viewer": r.body_name(body),
        "today": today,
        "tally": digest.tally_words(digest.tally(lines)),
        "groups": digest.groups(
            lines, link=lambda ln: link(ln.assignment_id), decrees=decrees(session, lines)
        ),
    }


def decrees(session: Session, lines: Sequence[digest.Line]) -> dict[int, str]:
    """Roadmap id → number of the decrees the lines come from."""
    ids = {ln.roadmap_id for ln in lines}
    return {i: rm.number for i in ids if (rm := session.get(Roadmap, i)) is not None}
