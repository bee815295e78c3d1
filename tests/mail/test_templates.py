"""Every mail kind renders in plain text and HTML from realistic rows, in correct Russian."""

from __future__ import annotations

import datetime as dt

import pytest
from jinja2 import UndefinedError

from kontrol.mail.kinds import STEMS
from kontrol.mail.mailer import Mailer
from kontrol.mail.render import TEMPLATES, render
from kontrol.models import Assignment, OutboxMessage
from kontrol.settings import Settings
from tests.mail.factory import (
    NOW,
    World,
    add_assignment,
    add_item,
    enqueue_every_kind,
    settings_for,
)


@pytest.fixture
def local_settings() -> Settings:
    return settings_for(8025)


def test_every_kind_has_subject_text_and_html_templates() -> None:
    for kind in STEMS:
        for suffix in ("subject.txt", "txt", "html"):
            assert (TEMPLATES / f"{kind}.{suffix}").is_file(), f"{kind}.{suffix}"
    assert (TEMPLATES / "_layout.html").is_file()
    assert (TEMPLATES / "_layout.txt").is_file()


def test_every_kind_renders_with_realistic_data(world: World, local_settings: Settings) -> None:
    ids = enqueue_every_kind(world, local_settings)
    with world.transaction() as s:
        rows = {kind: s.get(OutboxMessage, i) for kind, i in ids.items()}
    assert set(rows) == {
        "assignment_issued",
        "reminder",
        "overdue_notice",
        "supervisor_digest",
        "extension_decision",
    }
    for kind, row in rows.items():
        assert row is not None
        for part in (row.subject, row.body_text, row.body_html):
            assert "{{" not in part and "{%" not in part, kind
        assert "распоряжени" in row.body_text and "1302-б" in row.body_text
        # a supervisor gets the read-only overview link, never the executor's (it would let
        # them report)
        supervisor = kind == "supervisor_digest"
        link = "/o/" if supervisor else "/a/"
        for part in (row.body_text, row.body_html):
            assert local_settings.portal_base_url + link in part, kind
            for never in {"/a/", "/s/", "/o/"} - {link}:
                assert local_settings.portal_base_url + never not in part, kind
        assert row.body_html.lstrip().startswith("<!DOCTYPE html>")

    issued = rows["assignment_issued"]
    assert issued is not None
    assert "п. 3.2.4" in issued.subject and "до 24 декабря 2020 г." in issued.subject
    assert "Период: 27.07.2020–31.12.2020" in issued.body_text
    assert "Срок исполнения: до 24 декабря 2020 г." in issued.body_text
    assert "Ваша роль: соисполнитель" in issued.body_text
    assert (
        "Ответственный исполнитель: Комитет общего и профессионального образования "
        "Ленинградской области" in issued.body_text
    )
    assert "Другие соисполнители: ГАОУ ДПО «Ленинградский областной институт" in issued.body_text
    assert "Примечание: по отдельному плану" in issued.body_text

    reminder = rows["reminder"]
    assert reminder is not None
    assert "остался 1 рабочий день" in reminder.subject
    assert "Ваша роль: ответственный исполнитель" in reminder.body_text
    assert "Соисполнители: ГАОУ ДПО" in reminder.body_text
    assert "Период: I квартал 2021 г." in reminder.body_text

    overdue = rows["overdue_notice"]
    assert overdue is not None
    assert "просрочено на 3 рабочих дня" in overdue.body_text
    assert "О просрочке сообщено: Отдел общего и дополнительного образования." in (
        overdue.body_text
    )

    digest = rows["supervisor_digest"]
    assert digest is not None
    assert digest.subject == "Просрочено 2 поручения на 11.01.2021 по распоряжению № 1302-б"
    counts = (
        "На 11 января 2021 г. Просрочено 2 поручения: 1 пункт, 2 исполнителя; "
        "1 — впервые сегодня, 1 передано вам."
    )
    assert counts in digest.body_text and counts in digest.body_html
    text = digest.body_text
    assert (
        "1. п. 3.2.4 Организация и проведение родительского всеобуча по вопросам профессиональной…"
        in text
    )
    assert (
        "2 поручения, просрочка до 7 рабочих дней, доложено куратору; "
        "1 — впервые сегодня, 1 передано вам" in text
    )
    # the worst first: ЛОИРО (7 working days) before the municipality (2)
    assert text.index("— ГАОУ ДПО …") < text.index("— Пример: … администрации Лужского")
    assert "(на 2 рабочих дня)" in text

    extension = rows["extension_decision"]
    assert extension is not None
    assert "новый срок до 30 апреля 2021 г." in extension.subject
    assert "прежний срок: до 31 марта 2021 г." in extension.body_text


def test_html_escapes_what_the_decree_says(world: World, local_settings: Settings) -> None:

    add_item(world, "9.9", "Проверка <script>alert('x')</script> & «кавычек»", ["loiro"])
    aid = add_assignment(world, "9.9", "loiro", role="lead")
    with world.transaction() as s:
        a = s.get(Assignment, aid)
        assert a is not None
        row = Mailer.of(local_settings).assignment_issued(s, a, now=NOW)
        assert row is not None
        assert "<script>" not in row.body_html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; «кавычек»" in row.body_html
        assert "Проверка <script>alert('x')</script> & «кавычек»" in row.body_text


def test_a_missing_variable_is_an_error_not_a_hole() -> None:
    with pytest.raises(UndefinedError):
        render("reminder", {"a": {}, "days_left": 1})


def test_period_of_a_month_and_a_year(world: World, local_settings: Settings) -> None:

    monthly = add_assignment(
        world,
        "3.1.2",
        "loiro",
        period=(dt.date(2021, 1, 1), dt.date(2021, 1, 31)),
        due_on=dt.date(2021, 1, 29),
    )
    yearly = add_assignment(
        world,
        "3.1.2",
        "loiro",
        period=(dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
        due_on=dt.date(2021, 12, 30),
    )
    with world.transaction() as s:
        for aid, period in ((monthly, "январь 2021 г."), (yearly, "2021 г.")):
            a = s.get(Assignment, aid)
            assert a is not None
            row = Mailer.of(local_settings).assignment_issued(s, a, now=NOW)
            assert row is not None
            assert f"Период: {period}\n" in row.body_text


def _every_mail(world: World, settings: Settings) -> dict[str, tuple[str, str, str, list[str]]]:
    """kind → (subject, text, HTML, .ics texts) for every mail kind: the outbox's own (with a
    rejected extension besides the approved one) and the portal's."""
    import re

    from kontrol.mail import compose

    ids = enqueue_every_kind(world, settings)
    mails: dict[str, tuple[str, str, str, list[str]]] = {}
    mailer = Mailer.of(settings)
    with world.transaction() as s:
        for kind, i in ids.items():
            row = s.get(OutboxMessage, i)
            assert row is not None
            ics = [str(att["content"]) for att in row.attachments]
            mails[kind] = (row.subject, row.body_text, row.body_html, ics)
        a = s.get(Assignment, world.assignments[-1])
        assert a is not None
        rejected = mailer.extension_decision(
            s, a, approved=False, old_due_on=a.due_on, decision_key="no", now=NOW,
        )  # fmt: skip
        assert rejected is not None
        mails["extension_rejected"] = (
            rejected.subject, rejected.body_text, rejected.body_html, [],
        )  # fmt: skip
        about = mailer.about(a)
        portal = {
            "extension_request": compose.extension_request(
                about,
                curator="Отдел общего и дополнительного образования",
                request={
                    "current_due_on": a.due_on,
                    "requested_due_on": dt.date(2021, 4, 30),
                    "reason": "Данные поступят позже.",
                },
                approve_url="https://kontrol.example/c/approve/t",
                reject_url="https://kontrol.example/c/reject/t",
            ),
            "report_review": compose.report_review(
                about,
                curator="Отдел общего и дополнительного образования",
                report={"text": "Исполнено.", "files": [], "submitted_at": NOW},
                accept_url="https://kontrol.example/c/accept/t",
                return_url="https://kontrol.example/c/return/t",
            ),
            "report_returned": compose.report_returned(
                about, comment="Нет приложения.", status_words="на исполнении"
            ),
        }
        for kind, rendered in portal.items():
            mails[kind] = (rendered.subject, rendered.text, rendered.html, [])
    for kind, (subject, text, html, ics) in mails.items():
        plain_html = re.sub(r"<[^>]+>", "", html)
        unfolded = [re.sub(r"\r?\n ", "", c) for c in ics]
        mails[kind] = (subject, text, plain_html, unfolded)
    return mails


def test_no_sentence_ends_in_two_periods(world: World, local_settings: Settings) -> None:
    """«до 30 декабря 2020 г.» ends a sentence with its own period: never «2020 г..» — in the
    subject, the text, the HTML (tags removed: «г.</strong>.» reads «г..») or the .ics."""
    import re

    two = re.compile(r"(?<!\.)\.\.(?!\.)")
    mails = _every_mail(world, local_settings)
    assert len(mails) == 9
    for kind, (subject, text, html, ics) in mails.items():
        for where, part in (("subject", subject), ("text", text), ("html", html)):
            assert not two.search(part), (kind, where, part[two.search(part).start() - 60 :][:80])
        for cal in ics:
            assert not two.search(cal), (kind, cal)
    _, text, html, _ = mails["overdue_notice"]
    assert "исполнено до 30 декабря 2020 г. Поручение просрочено" in text
    assert "исполнено до 30 декабря 2020 г. Поручение просрочено" in html
    assert "остаётся прежним: до 30 декабря 2020 г.\n" in mails["extension_rejected"][1]
    (cal,) = mails["extension_decision"][3]
    assert "DESCRIPTION:I квартал 2021 г. Создание регионального" in cal


def test_the_button_and_the_text_name_the_same_actions(
    world: World, local_settings: Settings
) -> None:
    """The executor's link takes a report and a request for a later date: the HTML button
    says both, as the plain text does; a supervisor's one read-only link (the overview of their
    daily mail) says so in both too."""
    import re

    ids = enqueue_every_kind(world, local_settings)
    base = local_settings.portal_base_url
    with world.transaction() as s:
        for kind, i in ids.items():
            row = s.get(OutboxMessage, i)
            assert row is not None
            buttons = re.findall(
                rf'<a href="({re.escape(base)}/[ao]/[^"]+)"[^>]*>([^<]+)</a>', row.body_html
            )
            (url, label) = buttons[0] if len(buttons) == 1 else ("", "")
            assert url, (kind, buttons)
            lines = row.body_text.splitlines()
            assert f"{label}:" == lines[lines.index(url) - 1], kind
            supervisor = kind == "supervisor_digest"
            assert ("перенести срок" in label) != supervisor, kind
            assert ("только просмотр" in label) == supervisor, kind
