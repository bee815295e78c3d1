"""Rendering mail from templates: each kind is a triple (subject, text, HTML) under
``templates/email/``, like healthchecks' ``templates/emails``; the one environment every mail
is rendered with (the kinds: ``kontrol.mail.kinds``, their composers: ``kontrol.mail.compose``).

Templates get plain data (dicts, strings, dates — the dicts about an assignment and its roadmap
are built here from the rows, and the portal's pages show the same ones), plus the Russian
filters (``plural``, ``participle``, ``working_days``, ``date_words``, ``due_words``,
``period_words``, ``full_stop`` — a sentence ending after a value goes through it, so «2021 г.»
gets no second period). Links come signed, as values: an executor's token, or for a
supervisor's digest the one link to their overview page and no executor link at all (whoever
holds that one can report as the executor). ``StrictUndefined`` turns a misspelt variable into
an error instead of an empty hole in a letter to a ministry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from kontrol.mail import russian
from kontrol.models import Assignment, Body, Obligation, Roadmap
from kontrol.resources import resource
from kontrol.roadmap.schedule import time_of_day

TEMPLATES = resource("kontrol.templates", "email")
ROLE_WORDS = {"lead": "ответственный исполнитель", "co_executor": "соисполнитель"}
# What the page behind a mail's link offers, in the same words on the HTML button and in the
# plain text: the executor's page takes a report and a request for a later date alike.
LINK_WORDS = {
    "executor": "Отчитаться об исполнении или попросить перенести срок",
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
        # the templates ship with the package and never change under a running process: no
        # stat of the file on every mail (1 % of a sweep)
        auto_reload=False,
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
        percent=russian.percent,
        void_words=russian.void_words,
    )
    env.globals.update(
        period_words=russian.period_words, plural=russian.plural, link_words=LINK_WORDS
    )
    return env


_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    """Anything bound for a header: CR/LF and runs of whitespace become one space."""
    return _SPACES.sub(" ", text).strip()


def render(stem: str, context: Mapping[str, Any]) -> Rendered:
    """Subject, plain text and HTML of the triple ``stem`` (a kind of ``kontrol.mail.kinds``);
    the text and the HTML may show the subject (``subject``: the HTML's title)."""
    env = environment()
    subject = one_line(env.get_template(f"{stem}.subject.txt").render(context))
    parts = {**context, "subject": subject}
    text = env.get_template(f"{stem}.txt").render(parts)
    html = env.get_template(f"{stem}.html").render(parts)
    return Rendered(subject, text, html)


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
        "title": roadmap.title or roadmap.plan_title,
    }


def phrase_time(ob: Obligation) -> dt.time | None:
    """The time of day the item's phrase writes with its date («1 сентября 10.00 ч.»), if any:
    read again from the phrase, as the plan is (``time_of_day``: the phrase's every phase has
    it)."""
    return time_of_day(ob.item.schedule_text)


def _time_words(at: dt.time | None) -> str | None:
    return None if at is None else f"{at:%H:%M}"


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
        "time": _time_words(phrase_time(ob)),
        "original_due_on": assignment.original_due_on,
        "notes": [str(f) for f in ob.flags],
    }
