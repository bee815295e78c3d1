"""Rendering mail from templates: each kind is a triple (subject, text, HTML) under
``templates/email/``, like healthchecks' ``templates/emails``.

Templates get plain data (dicts, strings, dates) built here from the models, plus the Russian
filters (``plural``, ``participle``, ``working_days``, ``date_words``, ``due_words``,
``period_words``, ``full_stop`` — a sentence ending after a value goes through it, so «2021 г.»
gets no second period) and a pluggable ``link_for(assignment_id, body_id) -> token``; a supervisor's
digest gets ``oversee_link_for`` instead, and no executor link at all (whoever holds that one can
report as the executor). ``StrictUndefined`` turns a misspelt variable into an error instead of
an empty hole in a letter to a ministry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from kontrol.mail import russian
from kontrol.mail.links import LinkFor
from models import Assignment, Body

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "email"
KINDS = (
    "assignment_issued",
    "reminder",
    "overdue_notice",
    "overdue_copy",
    "escalation_digest",
    "extension_decision",
)
ROLE_WORDS = {"lead": "ответственный исполнитель", "co_executor": "соисполнитель"}
# What the page behind a mail's link offers, in the same words on the HTML button and in the
# plain text: the executor's page takes a report and a request for a later date alike.
LINK_WORDS = {
    "executor": "Отчитаться об исполнении или попросить перенести срок",
    "viewer": "Посмотреть поручение, отчёты и историю (только просмотр)",
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        plural=lambda n, one, few, many: russian.plural(n, one, few, many),
        count=russian.count,
        participle=russian.participle,
        working_days=russian.working_days,
        date_words=russian.date_words,
        due_words=russian.due_words,
        short_date=russian.short_date,
        full_stop=russian.full_stop,
        genitive=russian.decree_genitive,
        dative=russian.decree_dative,
    )
    env.globals.update(
        period_words=russian.period_words, plural=russian.plural, link_words=LINK_WORDS
    )
    return env


def one_line(text: str) -> str:
    """Anything bound for a header: CR/LF and runs of whitespace become one space."""
    return re.sub(r"\s+", " ", text).strip()


def render(kind: str, context: Mapping[str, Any]) -> Rendered:
    """Subject, plain text and HTML of one mail kind."""
    if kind not in KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    env = environment()
    subject = env.get_template(f"{kind}.subject.txt").render(context)
    text = env.get_template(f"{kind}.txt").render(context)
    html = env.get_template(f"{kind}.html").render(context)
    return Rendered(one_line(subject), text, html)


def body_name(body: Body) -> str:
    return one_line(body.name)


def roadmap_data(assignment: Assignment) -> dict[str, Any]:
    roadmap = assignment.obligation.item.roadmap
    return {
        "id": roadmap.id,
        "kind": roadmap.kind,
        "number": roadmap.number,
        "adopted_on": roadmap.adopted_on,
        "title": roadmap.title,
    }


def assignment_data(assignment: Assignment) -> dict[str, Any]:
    """What every mail says about one assignment: item, period, due date, role, the others."""
    ob = assignment.obligation
    item = ob.item
    skip = {assignment.body_id, assignment.via_group_id}
    others = [e for e in item.executors if e.body_id not in skip]
    lead = next((body_name(e.body) for e in others if e.role == "lead"), None)
    co_executors = [body_name(e.body) for e in others if e.role != "lead"]
    via_group = next(
        (body_name(e.body) for e in item.executors if e.body_id == assignment.via_group_id), None
    )
    return {
        "id": assignment.id,
        "item": {"number": item.number, "title": one_line(item.title)},
        "phase": ob.label,
        "body": {"id": assignment.body_id, "name": body_name(assignment.body)},
        "role": assignment.role,
        "role_words": ROLE_WORDS.get(assignment.role, assignment.role),
        "lead": lead,
        "co_executors": co_executors,
        "via_group": via_group,
        "period": russian.period_words(assignment.period_start, assignment.period_end),
        "due_on": assignment.due_on,
        "original_due_on": assignment.original_due_on,
        "notes": [str(f) for f in ob.flags],
    }


def base_context(*, portal_base_url: str, link_for: LinkFor) -> dict[str, Any]:
    return {"portal_base_url": portal_base_url.rstrip("/"), "link_for": link_for}


def assignment_context(
    assignment: Assignment, *, portal_base_url: str, link_for: LinkFor, **extra: Any
) -> dict[str, Any]:
    return {
        **base_context(portal_base_url=portal_base_url, link_for=link_for),
        "roadmap": roadmap_data(assignment),
        "roadmaps": [roadmap_data(assignment)],
        "a": assignment_data(assignment),
        "viewer": None,  # a supervisor reading a copy: {"id", "name"}, and no executor link
        **extra,
    }


@dataclass(frozen=True)
class DigestEntry:
    """One overdue assignment in a supervisor's digest."""

    assignment: Assignment
    days_overdue: int


def digest_context(
    recipient: Body,
    entries: Sequence[DigestEntry],
    *,
    level: str,
    as_of: dt.date,
    portal_base_url: str,
    link_for: LinkFor,
    oversee_link_for: LinkFor | None = None,
) -> dict[str, Any]:
    """Entries sorted by working days overdue, most overdue first (then item, then body).

    The links are the recipient's read-only supervisor links: ``oversee_link_for``, else the
    ``oversee`` of ``link_for`` (a ``links.Links``). ``link_for`` itself is not passed on.
    """
    oversee = oversee_link_for or getattr(link_for, "oversee", None)
    if oversee is None:
        raise TypeError("a digest needs oversee_link_for: never the executor's link_for")
    ordered = sorted(
        entries,
        key=lambda e: (
            -e.days_overdue,
            [int(p) if p.isdigit() else 0 for p in e.assignment.obligation.item.number.split(".")],
            e.assignment.body.name,
        ),
    )
    roadmaps = {e.assignment.obligation.item.roadmap_id: e.assignment for e in ordered}
    return {
        "portal_base_url": portal_base_url.rstrip("/"),
        "oversee_link_for": oversee,
        "recipient": {"id": recipient.id, "name": body_name(recipient), "person": recipient.person},
        "level": level,
        "as_of": as_of,
        "roadmaps": [roadmap_data(a) for a in roadmaps.values()],
        "entries": [
            {"a": assignment_data(e.assignment), "days_overdue": e.days_overdue} for e in ordered
        ],
    }
