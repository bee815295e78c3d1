"""Supervisors get at most one mail per sweep: the README's scenario, and the day after.

The seed imported with the example directory, the occurrences running on 1 December 2026
issued at once (the catch-up of ``kontrol serve``: 205 assignments), then a sweep far past
their due dates (20.01.2027, as the README suggests). One sweep sent 205 «overdue copy» mails
to four supervisors (114 to one department) plus a 371 KB digest: now each supervisor gets one
mail, small, with one link to an overview page that lists everything under them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol.deployments.compile import compile_roadmap
from kontrol.issuing import issue_occurrence, obligation_occurrences
from kontrol.lookup import obligation_by_key, roadmap_by_number
from kontrol.mail.mailer import Mailer
from kontrol.mail.russian import plural
from kontrol.models import Assignment, OutboxMessage
from kontrol.models.db import make_engine
from kontrol.oversight import curator_of
from kontrol.portal import tokens
from kontrol.portal.app import create_app
from kontrol.portal.pages import PortalSettings
from kontrol.settings import Settings
from tests.conftest import TEST_SECRET_KEY
from tests.portal.conftest import TestClient
from tests.sweep.conftest import MSK, RULES, at, issue, steps, sweep

D = dt.date
CATCH_UP = dt.datetime(2026, 12, 1, 9, 0, tzinfo=MSK)
FAR_PAST_DUE = D(2027, 1, 20)  # a Wednesday
NEXT_MONDAY = D(2027, 1, 25)  # the first working day of the next ISO week
SIZE = 40_000  # bytes of a whole message, as sent (headers, text, HTML, base64)
OVERVIEW = re.compile(r"https?://[^/\s]+(/o/[\w.\-]+)")
ROW = re.compile(r'href="(/s/[\w.\-]+)"')


@dataclass
class Mail:
    key: str
    kind: str
    to_body: str | None
    about_body: str | None  # the executor of the assignment it is about
    subject: str
    text: str
    size: int


def _catch_up(url: str) -> int:
    """Issue what ``kontrol serve`` issues at once on 1 December 2026: the occurrences running
    then (issued on paper before, not yet due)."""
    engine = make_engine(url)
    created = 0
    mailer = Mailer.of(Settings())
    with Session(engine) as s, s.begin():
        rm = roadmap_by_number(s)
        for spec in compile_roadmap(s, rm, RULES, now=CATCH_UP, events=None):
            ob = obligation_by_key(s, rm, spec.obligation)
            for occ in obligation_occurrences(ob, RULES):
                if occ.key in spec.catch_up:
                    result = issue_occurrence(
                        s, ob, occ, rules=RULES, now=CATCH_UP, actor="test", mailer=mailer
                    )
                    created += len(result.created)
    engine.dispose()
    return created


def _mails(url: str, after: int = 0) -> list[Mail]:
    engine = make_engine(url)
    with Session(engine) as s:
        rows = s.scalars(
            select(OutboxMessage).where(OutboxMessage.id > after).order_by(OutboxMessage.id)
        ).all()
        out = [
            Mail(
                row.key,
                row.kind,
                row.recipient_body_id,
                s.get(Assignment, row.assignment_id).body_id if row.assignment_id else None,  # type: ignore[union-attr]
                row.subject,
                row.content.body_text,
                len(row.content.raw or b""),
            )
            for row in rows
        ]
    engine.dispose()
    return out


def _last_id(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as s:
        last = s.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1))
    engine.dispose()
    return int(last or 0)


def _supervisors(mails: list[Mail]) -> Counter[str | None]:
    """Mails per supervisor body: every mail but those to an assignment's own executor."""
    return Counter(m.to_body for m in mails if m.about_body is None or m.to_body != m.about_body)


@pytest.fixture
def caught_up(seeded: str) -> str:
    assert _catch_up(seeded) == 205
    return seeded


@pytest.fixture
def portal(caught_up: str, tmp_path: Path) -> Iterator[tuple[TestClient, list[dt.datetime]]]:
    """The portal on the same database, its clock on the sweep's day."""
    settings = Settings(database_url=caught_up, upload_dir=tmp_path / "uploads")
    clock = [at(FAR_PAST_DUE, 10)]
    app = create_app(
        settings,
        now=lambda: clock[0],
        emit=lambda *event: None,
        config=PortalSettings(),
        rules=RULES,
    )
    with TestClient(app, follow_redirects=False) as client:
        yield client, clock
    app.state.portal.engine.dispose()


def test_one_small_mail_per_supervisor_with_the_overview_behind_its_one_link(
    caught_up: str, portal: tuple[TestClient, list[dt.datetime]]
) -> None:
    url, (client, _) = caught_up, portal
    before = _last_id(url)
    report = sweep(url, FAR_PAST_DUE)
    assert report.count("overdue_notice") == 205  # every executor still gets their own notice
    mails = _mails(url, before)

    per_supervisor = _supervisors(mails)
    assert per_supervisor == {
        "dept-general": 1,
        "dept-vocational": 1,
        "deputy-chair": 1,
        "committee": 1,
    }
    assert Counter(m.kind for m in mails) == {"overdue_notice": 205, "supervisor_digest": 4}
    digests = {m.to_body: m for m in mails if m.kind == "supervisor_digest"}
    assert all(m.size < SIZE for m in digests.values()), {b: m.size for b, m in digests.items()}
    assert all(m.key == f"digest:{body}:2027-01-20" for body, m in digests.items())

    general = digests["dept-general"]
    assert general.subject == "Просрочено 149 поручений на 20.01.2027 по распоряжению № 1302-б"
    # counts first: the department is the curator of all 149 (the roadmap's first curator for
    # the bodies with no curator up their chain), 114 of them escalate to it directly
    assert (
        "На 20 января 2027 г. Просрочено 149 поручений: 24 пункта, 26 исполнителей; "
        "114 — впервые сегодня, 149 переданы вам." in general.text
    )
    numbered = re.findall(r"^(\d+)\. п\. ([\d.]+) (.+)$", general.text, flags=re.M)
    assert [int(n) for n, _, _ in numbered] == list(range(1, 16))  # at most 15 items
    assert all(len(title) <= 80 for _, _, title in numbered)
    assert "Ещё 9 пунктов (10 поручений) — в полном списке по ссылке выше." in general.text
    assert "/a/" not in general.text and "/s/" not in general.text
    (link,) = set(OVERVIEW.findall(general.text))

    # the overview: everything overdue under the department, each row its read-only view
    page = client.get(link)
    assert page.status_code == 200, page.text
    assert "Просрочено 149 поручений: 24 пункта, 26 исполнителей." in page.text
    rows = ROW.findall(page.text)
    assert len(rows) == len(set(rows)) == 149
    for row in (rows[0], rows[-1]):
        view = client.get(row)
        assert view.status_code == 200 and "Только для просмотра" in view.text
    assert "<form" not in page.text

    # another body's link: a body that oversees nothing, or another supervisor's own list
    for body, status in (
        ("mo-luzhsky", 403),
        ("michurinsky", 403),
        ("no-such-body", 403),
        ("dept-vocational", 200),
    ):
        token = tokens.overview_token(
            body, secret_key=TEST_SECRET_KEY, clock=lambda: at(FAR_PAST_DUE)
        )
        answer = client.get(f"/o/{token}")
        assert answer.status_code == status, body
    vocational = set(OVERVIEW.findall(digests["dept-vocational"].text))
    assert vocational != {link}
    assert "Просрочено 56 поручений" in client.get(vocational.pop()).text

    # a second sweep the same day sends nothing at all
    again = _last_id(url)
    assert sweep(url, FAR_PAST_DUE).actions == []
    assert _last_id(url) == again


def test_the_weekly_summary_is_a_section_of_that_one_mail(caught_up: str) -> None:
    url = caught_up
    sweep(url, FAR_PAST_DUE)
    before = _last_id(url)
    report = sweep(url, NEXT_MONDAY)
    assert report.count("escalation") == 24  # 2.2 and its co-executors reach the controller
    mails = _mails(url, before)
    assert _supervisors(mails) == {
        "dept-general": 1,
        "dept-vocational": 1,
        "deputy-chair": 1,
        "committee": 1,
    }
    digests = {m.to_body: m for m in mails}
    assert all(m.kind == "supervisor_digest" and m.size < SIZE for m in digests.values())
    # the controller has news (24 escalated to it) and the week's summary in the same mail
    deputy = digests["deputy-chair"].text
    assert "Просрочено 205 поручений: 24 пункта, 35 исполнителей; 24 переданы вам." in deputy
    assert "Сводка за неделю — всё, что просрочено, сначала новое для вас" in deputy
    # the item with news first, and in it the executor whose assignment reached the controller
    first = deputy.split("\n1. п. ")[1].split("\n2. п. ")[0]
    assert "; 1 передано вам" in first
    assert first.splitlines()[2] == (
        "   — Комитет общего и профессионального образования "
        "(на 11 рабочих дней, передано вам на контроль)"
    )
    # the others have only the summary
    general = digests["dept-general"]
    assert general.subject.startswith("Сводка за неделю: просрочено 149 поручений на 25.01.2027")
    assert report.count("weekly") == 4 and report.count("digest") == 0


def test_a_second_sweep_the_same_day_leaves_new_escalations_to_the_next_working_day(
    seeded: str,
) -> None:
    """The department's mail of the day is written: escalations to it that a later sweep finds
    the same day are not claimed (no second mail), but caught up — and reported — the next
    working day."""
    url = seeded
    issue(url, {"1.3": ["2021-01"]})
    sweep(url, D(2021, 2, 5))  # January's 1.3: overdue (deputy-chair hears), curator
    assert {k for k, _ in _keys(url) if k.startswith("digest:")} == {
        "digest:dept-general:2021-02-05",
        "digest:deputy-chair:2021-02-05",
    }
    late = issue(url, {"2.3": ["2020-Q4"]})  # long past due: overdue and escalated at once
    to_general = {a for a in late if _curator(url, a) == "dept-general"}
    assert to_general

    before = _last_id(url)
    sweep(url, D(2021, 2, 5))
    told = _supervisors(_mails(url, before))
    assert "dept-general" not in told and "deputy-chair" not in told  # theirs are written
    assert told["dept-vocational"] == 1  # its first of the day
    taken = {(a, s): on for a, s, _, on in steps(url) if a in late}
    assert all(taken[(a, "overdue")] == D(2021, 2, 5) for a in late)  # executors are told
    assert not [a for a in to_general if (a, "curator") in taken]  # left for tomorrow

    before = _last_id(url)
    sweep(url, D(2021, 2, 8))
    taken = {(a, s): on for a, s, _, on in steps(url) if a in late}
    assert all(taken[(a, "curator")] == D(2021, 2, 8) for a in to_general)
    (mail,) = [m for m in _mails(url, before) if m.to_body == "dept-general"]
    assert mail.key == "digest:dept-general:2021-02-08"
    n = len(to_general)
    assert f"; {n} {plural(n, 'передано', 'переданы', 'переданы')} вам." in mail.text


def _keys(url: str) -> list[tuple[str, str]]:
    engine = make_engine(url)
    with Session(engine) as s:
        rows = [(k, kind) for k, kind in s.execute(select(OutboxMessage.key, OutboxMessage.kind))]
    engine.dispose()
    return rows


def _curator(url: str, assignment_id: int) -> str | None:
    engine = make_engine(url)
    with Session(engine) as s:
        a = s.get(Assignment, assignment_id)
        assert a is not None
        who = curator_of(s, a)
        out = who.id if who else None
    engine.dispose()
    return out
