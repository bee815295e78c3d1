"""Rendering mail from templates: each kind is a triple (subject, text, HTML) under
``templates/email/``, like healthchecks' ``templates/emails``.

Templates get plain data (dicts, strings, dates) built here from the models, plus the Russian
filters (``plural``, ``participle``, ``working_days``, ``date_words``, ``due_words``,
``period_words``, ``full_stop`` — a sentence ending after a value goes through it, so «2021 г.»
gets no second period) and a pluggable ``link_for(assignment_id, body_id) -> token``; a supervisor's
digest gets the one link to their overview page instead, and no executor link at all (whoever
holds that one can report as the executor). ``StrictUndefined`` turns a misspelt variable into
an error instead of an empty hole in a letter to a ministry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from kontrol.mail import digest, russian
from kontrol.mail.links import LinkFor, overview_url
from kontrol.models import Assignment, Body, Roadmap
from kontrol.resources import resource

TEMPLATES = resource("kontrol.templates", "email")
KINDS = (
    "assignment_issued",
    "reminder",
    "overdue_notice",
    "supervisor_digest",
    "extension_decision",
)
ROLE_WORDS = {"lead": "ответственный исполнитель", "co_executor": "соисполнитель"}
# What the page behind a mail's link offers, in the same words on the HTML button and in the
# plain text: the executor's page takes a report and a request for a later date alike.
LINK_WORDS = {
    "executor": "Отчитаться об исполнении или попросить перенести срок",
    "viewer": "Посмотреть поручение, отчёты и историю (только просмотр)",
    "overview": "Полный список просроченных поручений (только просмотр)",
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
    return roadmap_fields(assignment.obligation.item.roadmap)


def roadmap_fields(roadmap: Roadmap) -> dict[str, Any]:
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


def supervisor_digest_context(
    recipient: Body,
    *,
    as_of: dt.date,
    lines: Sequence[digest.Line],
    news: Sequence[digest.Line],
    weekly: bool,
    roadmaps: Sequence[Mapping[str, Any]],
    portal_base_url: str,
    overview_token: str,
) -> dict[str, Any]:
    """A supervisor's one mail of the day (``kontrol.mail.digest``): ``lines`` is everything
    overdue under them (flagged with what is new for them), ``news`` what the ladder brought
    them today. One list of at most ``digest.GROUPS`` items: the news; with ``weekly`` (the
    week's summary) every item, those with news first. One link only, to the overview page:
    never an executor's link (whoever holds one can report as the executor)."""
    return {
        "recipient": {"id": recipient.id, "name": body_name(recipient), "person": recipient.person},
        "as_of": as_of,
        "roadmaps": list(roadmaps),
        "total": len(lines),
        "tally": digest.tally_words(digest.tally(lines, news)),
        "weekly": weekly,
        "fresh": bool(news),
        "section": digest.groups(
            lines if weekly else news,
            limit=digest.GROUPS,
            bodies=digest.BODIES,
            news_first=True,
        ),
        "overview_url": overview_url(portal_base_url, overview_token),
    }
