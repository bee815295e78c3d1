"""One function per kind of mail: plain values in, ``Rendered`` out (``kontrol.mail.kinds``
lists them).

Nothing here reads a row, a setting or the clock: the writers (``kontrol.mail.mailer``, the
portal, the annual report) turn rows into these values at the edge, links already signed, and
every composer renders its triple through the one environment (``render.render``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kontrol.mail import digest
from kontrol.mail.render import Rendered, render


@dataclass(frozen=True)
class AboutAssignment:
    """What every mail about one assignment says (``render.assignment_data`` and
    ``render.roadmap_data``), with the executor's signed token for the portal link."""

    roadmap: Mapping[str, Any]
    a: Mapping[str, Any]
    portal_base_url: str
    executor_token: str
    reply_by_mail: bool = False  # kontrol reads replies: the mail says a reply is a report

    def context(self, **extra: Any) -> dict[str, Any]:
        return {
            "reply_by_mail": self.reply_by_mail,
            "portal_base_url": self.portal_base_url.rstrip("/"),
            "roadmap": self.roadmap,
            "roadmaps": [self.roadmap],
            "a": self.a,
            "executor_token": self.executor_token,
            **extra,
        }


@dataclass(frozen=True)
class DigestFacts:
    """A supervisor's one mail of the sweep day (``kontrol.mail.digest``): ``lines`` is
    everything overdue under them (flagged with what is new for them), ``news`` what the
    ladder brought them today. ``recipient``: id, name, person."""

    recipient: Mapping[str, Any]
    as_of: dt.date
    lines: Sequence[digest.Line]
    news: Sequence[digest.Line]
    weekly: bool
    roadmaps: Sequence[Mapping[str, Any]]
    overview_url: str


@dataclass(frozen=True)
class AnnualReport:
    """The annual report's figures as its mail shows them (``kontrol.reporting.figures``)."""

    roadmap_number: str
    roadmap_adopted_on: dt.date
    label: str
    as_of: dt.date
    total: Mapping[str, Any]  # ``Counts.to_json()``: issued, done_on_time, … discipline
    formula: str
    text: str  # the whole report in Markdown: the mail's plain text


def assignment_issued(about: AboutAssignment) -> Rendered:
    return render("assignment_issued", about.context())


def reminder(about: AboutAssignment, *, days_left: int) -> Rendered:
    return render("reminder", about.context(days_left=days_left))


def overdue_notice(about: AboutAssignment, *, days_overdue: int, informed: str | None) -> Rendered:
    """To the executor alone; ``informed`` names the body that hears of it in its digest."""
    return render("overdue_notice", about.context(days_overdue=days_overdue, cc_name=informed))


def extension_decision(
    about: AboutAssignment, *, approved: bool, old_due_on: dt.date, comment: str | None
) -> Rendered:
    """Approved (the assignment's due date is already the new one) or refused."""
    return render(
        "extension_decision",
        about.context(
            approved=approved,
            new_due_on=about.a["due_on"],
            old_due_on=old_due_on,
            comment=comment,
        ),
    )


def extension_request(
    about: AboutAssignment,
    *,
    curator: str | None,
    request: Mapping[str, Any],
    approve_url: str,
    reject_url: str,
) -> Rendered:
    """To the curator: ``request`` has current_due_on, requested_due_on, reason."""
    return render(
        "extension_request",
        about.context(
            recipient=curator, request=request, approve_url=approve_url, reject_url=reject_url
        ),
    )


def report_review(
    about: AboutAssignment,
    *,
    curator: str,
    report: Mapping[str, Any],
    accept_url: str,
    return_url: str,
) -> Rendered:
    """The executor's report to the curator: ``report`` has text, files (name, size),
    submitted_at."""
    return render(
        "report_review",
        about.context(
            recipient=curator, report=report, accept_url=accept_url, return_url=return_url
        ),
    )


def report_returned(about: AboutAssignment, *, comment: str, status_words: str) -> Rendered:
    return render("report_returned", about.context(comment=comment, status_words=status_words))


def supervisor_digest(facts: DigestFacts) -> Rendered:
    """One list of at most ``digest.GROUPS`` items: the news; weekly (the week's summary)
    every item, those with news first. One link only, to the overview page: never an
    executor's link (whoever holds one can report as the executor)."""
    lines, news = facts.lines, facts.news
    return render(
        "supervisor_digest",
        {
            "recipient": facts.recipient,
            "as_of": facts.as_of,
            "roadmaps": list(facts.roadmaps),
            "total": len(lines),
            "tally": digest.tally_words(digest.tally(lines, news)),
            "weekly": facts.weekly,
            "fresh": bool(news),
            "section": digest.groups(
                lines if facts.weekly else news,
                limit=digest.GROUPS,
                bodies=digest.BODIES,
                news_first=True,
                decrees={r["id"]: r["number"] for r in facts.roadmaps},
            ),
            "overview_url": facts.overview_url,
        },
    )


@dataclass(frozen=True)
class Retirement:
    """A void decree's one mail to an executor: every assignment of it cancelled for them.
    ``items``: number, phase, title, period (words), due_on."""

    recipient: Mapping[str, Any]
    roadmap: Mapping[str, Any]
    retired_on: dt.date
    reason: str
    items: Sequence[Mapping[str, Any]]


def roadmap_retired(facts: Retirement) -> Rendered:
    return render(
        "roadmap_retired",
        {
            "recipient": facts.recipient,
            "r": facts.roadmap,
            "roadmaps": [facts.roadmap],
            "retired_on": facts.retired_on,
            "reason": facts.reason,
            "items": list(facts.items),
        },
    )


def annual_report(report: AnnualReport, *, person: str | None) -> Rendered:
    """To the controller or a curator; ``person``: whom the directory names to address."""
    greeting = f"Уважаемый(ая) {person}!" if person else "Добрый день!"
    return render("annual_report", {"r": report, "greeting": greeting})


def reply_answer(
    *, subject: str, received: str, reason: str, advice: str, roadmaps: Sequence[Mapping[str, Any]]
) -> Rendered:
    """To whoever sent kontrol a reply it could not take (never to an auto-reply or a bounce):
    what was wrong and what to do instead."""
    return render(
        "reply_answer",
        {
            "subject": subject,
            "received": received,
            "reason": reason,
            "advice": advice,
            "roadmaps": list(roadmaps),
        },
    )
