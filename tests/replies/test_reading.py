"""Reading a reply without any server: the note above the quote in the styles clients write,
HTML-only mails, Outlook's, quoted-printable and base64, forwards; auto-replies and bounces
told apart; the date of an extension in any common form."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest

from kontrol.mail.reply_message import read_message
from kontrol.mail.reply_text import extension_date, html_text, note_of

TODAY = dt.date(2021, 2, 1)


@pytest.mark.parametrize(
    "text",
    [
        "Исполнено.\n\n1 февраля 2021 г., в 10:00, kontrol <kontrol@example.org> написал:\n> x",
        "Исполнено.\n\nПн, 1 фев. 2021 г. в 10:00, kontrol <kontrol@example.org>:\n> x",
        "Исполнено.\n\nOn Mon, Feb 1, 2021 at 10:00 AM kontrol <kontrol@example.org> wrote:\n> x",
        "Исполнено.\n\n-----Original Message-----\nFrom: kontrol\nSubject: x",
        "Исполнено.\n\n-----Исходное сообщение-----\nОт: kontrol\nТема: x",
        "Исполнено.\n\n________________________________\nОт: kontrol <kontrol@example.org>\n"
        "Отправлено: 1 февраля 2021 г. 10:00",
        "Исполнено.\n\nОт: kontrol <kontrol@example.org>\nДата: 1 февраля 2021\nx",
        "Исполнено.\n\n---------- Forwarded message ---------\nFrom: kontrol",
        "Исполнено.\n\n-------- Пересылаемое сообщение --------\n01.02.2021, 10:00, kontrol:",
        "Исполнено.\n> quoted\n> more",
    ],
)
def test_the_note_is_the_text_above_the_quote(text: str):
    assert note_of(text) == "Исполнено."


def test_an_html_only_reply_gives_its_text_without_the_quote():
    html = (
        "<html><head><style>p{color:red}</style></head><body><div>Исполнено,&nbsp;отчёт "
        'во вложении.</div><div><br></div><div class="gmail_quote">On Mon kontrol wrote:'
        "<blockquote>Поручение …</blockquote></div></body></html>"
    )
    assert note_of(html_text(html)) == "Исполнено, отчёт во вложении."


def test_outlooks_html_reply_is_cut_at_its_reply_header():
    html = (
        '<div class="WordSection1"><p class="MsoNormal">Исполнено.<o:p></o:p></p>'
        '<div id="divRplyFwdMsg"><b>От:</b> kontrol<br><b>Отправлено:</b> 1 февраля</div>'
        "<p>Поручение …</p></div>"
    )
    assert note_of(html_text(html)) == "Исполнено."


@pytest.mark.parametrize("cte", ["quoted-printable", "base64", "8bit"])
def test_any_transfer_encoding_gives_the_same_note(cte: str):
    msg = EmailMessage()
    msg["From"] = "School <School1@Example.org>"
    msg["To"] = "kontrol+a1.abc@example.org"
    msg["Subject"] = "Re: Поручение"
    msg.set_content("Исполнено, отчёт во вложении.\n\n> цитата\n", cte=cte)
    msg.add_attachment(b"%PDF-1.4 x", maintype="application", subtype="pdf", filename="о.pdf")
    reply = read_message(msg.as_bytes())
    assert reply.note == "Исполнено, отчёт во вложении."
    assert reply.sender == "school1@example.org"
    assert [(f.name, f.data) for f in reply.files] == [("о.pdf", b"%PDF-1.4 x")]
    assert reply.auto is None and reply.bounce is None


def test_winmail_dat_is_listed_as_unreadable_not_dropped():
    msg = EmailMessage()
    msg["From"] = "school@example.org"
    msg.set_content("Отчёт во вложении.")
    msg.add_attachment(b"\x78\x9f\x3e\x22", maintype="application", subtype="ms-tnef",
                       filename="winmail.dat")  # fmt: skip
    reply = read_message(msg.as_bytes())
    assert reply.unreadable == ["winmail.dat"] and reply.files == []


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Исполнено."),
        ({"X-Autoreply": "yes"}, "Исполнено."),
        ({"Precedence": "auto_reply"}, "Исполнено."),
        ({"Subject": "Автоматический ответ: Поручение"}, "Меня нет."),
        ({"Subject": "Out of Office: Поручение"}, "Back on Monday."),
        ({}, "Я в отпуске до 15.02.2021."),
    ],
)
def test_auto_replies_are_told(headers: dict[str, str], body: str):
    msg = EmailMessage()
    msg["From"] = "school@example.org"
    if "Subject" not in headers:
        msg["Subject"] = "Re: Поручение"
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(body)
    assert read_message(msg.as_bytes()).auto is not None


def test_a_report_that_mentions_a_holiday_is_no_auto_reply():
    msg = EmailMessage()
    msg["From"] = "school@example.org"
    msg["Subject"] = "Re: Поручение"
    msg.set_content("Исполнитель был в отпуске, поэтому прошу продлить срок до 15.04.2021.")
    assert read_message(msg.as_bytes()).auto is None


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Прошу продлить срок до 15.03.2021", dt.date(2021, 3, 15)),
        ("прошу продлить до 15.03.21, не успеваем", dt.date(2021, 3, 15)),
        ("Просим перенести срок на 15 марта 2021 г.", dt.date(2021, 3, 15)),
        ("Прошу продлить срок до 15 марта", dt.date(2021, 3, 15)),
        ("Прошу продлить срок до 15 января", dt.date(2022, 1, 15)),
        ("Прошу отсрочку до 2021-03-15", dt.date(2021, 3, 15)),
        ("Please extend the deadline to March 15, 2021.", dt.date(2021, 3, 15)),
        ("Could you extend it until 15/03/2021?", dt.date(2021, 3, 15)),
        ("Отчёт за 01.02.2021 готов, прошу продлить до 15.03.2021", dt.date(2021, 3, 15)),
        ("Прошу продлить срок.", None),
    ],
)
def test_the_date_asked_for(text: str, date: dt.date | None):
    assert extension_date(text, TODAY) == date
