"""kontrol writes its messages' MIME itself (``kontrol.mail.mime``): held here to the stdlib.

Each message is read back by the stdlib's parser and compared, part by part, with the message
the stdlib builds from the same row (``EmailMessage``: set_content, add_alternative,
add_attachment, as kontrol built them before): the same tree of parts, the same types,
parameters, file names and contents, the same headers."""

from __future__ import annotations

import base64
import datetime as dt
import email
from email import policy
from email.message import EmailMessage, Message
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kontrol.mail.message import assignment_ics, build_message, format_address
from kontrol.mail.mime import header_lines

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2021, 1, 11, 8, 0, tzinfo=dt.UTC)
TEXT = "Поручение по п. 1.2.\nСрок — 01.03.2021.\n\n" + "Проведение мониторинга. " * 60
HTML = "<p>Поручение по п. 1.2.</p>" + "<p>Проведение «мониторинга» &amp; отчёт.</p>" * 40
ICS = assignment_ics(
    assignment_id=7,
    due_on=dt.date(2021, 3, 1),
    summary="Срок: п. 1.2 Проведение мониторинга",
    period="Январь 2021 г.",
    title="Проведение мониторинга эффективности",
    url="http://127.0.0.1:8000/a/token",
    now=NOW,
)
XLSX = {
    "filename": "Отчёт об исполнении 2021.xlsx",
    "content_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "encoding": "base64",
    "content": base64.b64encode(bytes(range(256)) * 40).decode("ascii"),
}


def _row(**kw: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "subject": "Поручение: п. 1.2 Проведение мониторинга эффективности деятельности",
        "to_addrs": [format_address("edu@example.org", "Комитет образования администрации")],
        "cc_addrs": [],
        "reply_to": format_address("k@example.org", "Комитет общего образования"),
        "message_id": "<outbox-1.2@kontrol>",
        "assignment_id": 7,
        "kind": "assignment_issued",
        "body_text": TEXT,
        "body_html": HTML,
        "attachments": [],
    }
    values.update(kw)
    return SimpleNamespace(**values)


def _stdlib(row: SimpleNamespace, ours: Message) -> EmailMessage:
    """The same letter built by the stdlib, with our headers copied over."""
    msg = EmailMessage(policy=policy.SMTP)
    for name in ("Subject", "From", "To", "Cc", "Reply-To", "Date", "Message-ID", "List-Id"):
        if ours[name] is not None:
            msg[name] = str(ours[name])
    msg.set_content(row.body_text, subtype="plain", charset="utf-8", cte="base64")
    msg.add_alternative(row.body_html, subtype="html", charset="utf-8", cte="base64")
    for att in row.attachments:
        maintype, _, subtype = att["content_type"].partition("/")
        if att.get("encoding") == "base64":
            data = base64.b64decode(att["content"])
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=att["filename"])
        else:
            msg.add_attachment(
                att["content"],
                subtype=subtype,
                filename=att["filename"],
                params=att.get("params", {}),
                cte="base64",
            )
    return email.message_from_bytes(msg.as_bytes(), policy=policy.default)  # type: ignore[return-value]


def _tree(msg: Message) -> list[tuple[Any, ...]]:
    """Each part: its type, parameters but the boundary, file name, disposition, content."""
    out = []
    for part in msg.walk():
        params = {k: v for k, v in part.get_params() or [] if k not in {"boundary"}}
        content = None if part.is_multipart() else part.get_content()  # type: ignore[attr-defined]
        out.append(
            (
                part.get_content_type(),
                params,
                part.get_filename(),
                part.get_content_disposition(),
                content,
            )
        )
    return out


@pytest.mark.parametrize(
    "attachments",
    [[], [ICS], [ICS, XLSX]],
    ids=["letter alone", "with its calendar event", "with a workbook named in Russian"],
)
def test_every_part_reads_back_as_the_stdlib_builds_it(attachments: list[dict[str, Any]]) -> None:
    row = _row(
        attachments=attachments,
        cc_addrs=[format_address("cc@example.org", "Отдел")],
    )
    raw = build_message(
        row,
        mail_from="kontrol <kontrol@example.org>",
        date=NOW,
        zone=MOSCOW,  # type: ignore[arg-type]
        list_id="<roadmap-1302-b.kontrol>",
    )
    ours = email.message_from_bytes(raw, policy=policy.default)
    assert not ours.defects and all(not p.defects for p in ours.walk())
    assert _tree(ours) == _tree(_stdlib(row, ours))
    crlf = "\r\n".join(TEXT.splitlines()) + "\r\n"  # text in canonical form, as the stdlib sends it
    assert ours.get_body(("plain",)).get_content() == crlf  # type: ignore[attr-defined,union-attr]
    assert ours.get_body(("html",)).get_content() == HTML + "\r\n"  # type: ignore[attr-defined,union-attr]
    assert str(ours["Subject"]) == row.subject
    assert str(ours["Date"]) == "Mon, 11 Jan 2021 11:00:00 +0300"
    assert ours["X-Kontrol-Kind"] == "assignment_issued"
    assert ours["X-Kontrol-Assignment"] == "7"
    assert ours["MIME-Version"] == "1.0"
    assert raw.isascii()
    # RFC 5322's 78, but for a line with no space to fold at (the workbook's MIME type)
    long = [line for line in raw.split(b"\r\n") if len(line) > 78]
    assert all(b" " not in line.partition(b": ")[2] and len(line) <= 998 for line in long), long
    assert b"\n" not in raw.replace(b"\r\n", b""), "a bare LF"


def test_the_same_row_gives_the_same_bytes() -> None:
    row = _row(attachments=[ICS])
    one, two = (
        build_message(row, mail_from="kontrol@example.org", date=NOW, zone=MOSCOW)  # type: ignore[arg-type]
        for _ in range(2)
    )
    assert one == two
    other = build_message(
        _row(attachments=[ICS], message_id="<outbox-9.9@kontrol>"),  # type: ignore[arg-type]
        mail_from="kontrol@example.org",
        date=NOW,
        zone=MOSCOW,
    )
    boundary = email.message_from_bytes(one).get_boundary()
    assert boundary and boundary.startswith("=_") and boundary.encode() not in other


def test_a_line_break_in_a_header_value_is_refused() -> None:
    assert header_lines("Subject", "a\n b") == "Subject: a\r\n b\r\n"
    with pytest.raises(ValueError, match="line break"):
        header_lines("Subject", "a\nBcc: x@example.org")
    with pytest.raises(ValueError, match="line break"):
        header_lines("Subject", "a\r\n b")


def test_text_content_under_another_type_is_refused() -> None:
    row = _row(
        attachments=[{"filename": "x.pdf", "content_type": "application/pdf", "content": "x"}]
    )
    with pytest.raises(ValueError, match="text/\\* type"):
        build_message(row, mail_from="kontrol@example.org", date=NOW, zone=MOSCOW)  # type: ignore[arg-type]


def test_a_file_name_is_one_line_and_folded() -> None:
    """A file name with a line break reads back as one line; a long ASCII one is cut into
    RFC 2231 sections like a Russian one, so no line runs past 78 characters."""
    long = "annual-monitoring-report-of-the-committee-" * 3 + "2021.xlsx"
    evil = "Отчёт\r\nBcc: evil@example.org.xlsx"
    for name in (long, evil):
        att = {**XLSX, "filename": name}
        raw = build_message(
            _row(attachments=[att]),  # type: ignore[arg-type]
            mail_from="kontrol@example.org",
            date=NOW,
            zone=MOSCOW,
        )
        parsed = email.message_from_bytes(raw, policy=policy.default)
        names = [p.get_filename() for p in parsed.walk() if p.get_filename()]
        assert names == [" ".join(name.split())], names
        assert all(len(line) <= 78 for line in raw.split(b"\r\n") if b"filename" in line)
        assert parsed["Bcc"] is None
