"""From an outbox row to an ``email.message.EmailMessage`` ready for SMTP.

``policy=email.policy.SMTP`` gives CRLF and MIME; ``headerregistry.Address`` checks addresses;
``email.header.Header`` encodes Russian subjects and display names (RFC 2047). What they
cannot know is that a body's name or an activity's text may hold CR/LF: everything bound for a
header goes through ``one_line`` first, so «\\r\\nBcc: …» stays text and never becomes a header.

Long display names are split into several encoded-words with the spaces inside them, as RFC
2047 wants; RFC decoders (``email.header.decode_header``, mail clients) read them back exactly,
while CPython's address-list parser adds a space at each split (a CPython quirk).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Mapping
from email import policy, utils
from email.header import Header
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from functools import lru_cache
from typing import Any

from icalendar import Calendar, Event

from kontrol.mail.render import one_line
from kontrol.mail.russian import full_stop
from models import OutboxMessage

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


class _CachedRegistry(HeaderRegistry):
    """The stock registry builds a new header class on every lookup — a tenth of the time of
    building a message; the classes never change, so keep them."""

    @lru_cache(maxsize=256)  # noqa: B019 - one registry for the process
    def __getitem__(self, name: str) -> type:
        return super().__getitem__(name)  # type: ignore[no-any-return]


POLICY = policy.SMTP.clone(header_factory=_CachedRegistry())


def message_id_for(key: str) -> str:
    """Made once when the row is written and stored with it, so every retry carries the same
    Message-ID; the random part keeps two installations (or two databases) from ever sharing
    one, since outbox keys like ``issued:1`` repeat between them."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"<outbox-{digest}.{uuid.uuid4().hex[:16]}@kontrol>"


def slug(text: str) -> str:
    """«1302-б» → «1302-b»: ASCII for List-Id and file names."""
    out = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
    return re.sub(r"[^a-z0-9]+", "-", out).strip("-") or "x"


def list_id_for(roadmap_number: str) -> str:
    return f"<roadmap-{slug(roadmap_number)}.kontrol>"


def format_address(email: str, name: str | None = None) -> str:
    """``"Name" <addr>`` as stored in the outbox (unencoded; encoding happens when sent)."""
    email = one_line(email)
    if not name:
        return email
    name = one_line(name).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{name}" <{email}>'


@lru_cache(maxsize=4096)
def parse_address(text: str) -> Address:
    """Cached: the directory's few hundred addresses come back on every mail, and the stdlib
    parser was most of the time spent claiming a batch. ``Address`` is immutable."""
    name, addr = utils.parseaddr(one_line(text))
    if not addr or "@" not in addr:
        raise ValueError(f"not an e-mail address: {text!r}")
    username, _, domain = addr.rpartition("@")
    return Address(display_name=one_line(name), username=username, domain=domain)


def sender_address(mail_from: str, default_name: str = "kontrol") -> Address:
    address = parse_address(mail_from)
    if address.display_name:
        return address
    return Address(default_name, address.username, address.domain)


def encoded_text(name: str, text: str) -> str:
    """RFC 2047 encoded-words, folded with the spaces inside the words.

    ``EmailMessage`` folds long Russian headers between encoded-words, and the space there is
    dropped by every decoder (CPython 3.11: «методического обеспечения» comes back as
    «методическогообеспечения»), so values are encoded here, in lines short enough not to be
    refolded, and stored with ``set_raw``.
    """
    text = one_line(text)
    charset = "us-ascii" if text.isascii() else "utf-8"
    return Header(text, charset, maxlinelen=76, header_name=name).encode(linesep="\n")


def encoded_addresses(name: str, addresses: list[Address]) -> str:
    """An address list with each non-ASCII display name encoded and on its own lines."""
    parts = []
    for index, a in enumerate(addresses):
        if not a.display_name or a.display_name.isascii():
            parts.append(utils.formataddr((a.display_name, a.addr_spec)))
            continue
        phrase = Header(
            a.display_name, "utf-8", maxlinelen=76, header_name=name if index == 0 else None
        ).encode(linesep="\n")
        parts.append(f"{phrase}\n <{a.addr_spec}>")
    return ",\n ".join(parts)


def build_message(
    row: OutboxMessage,
    *,
    mail_from: str,
    date: dt.datetime,
    list_id: str | None = None,
) -> EmailMessage:
    """The message for one row; the same row always gives the same headers but Date."""
    msg = EmailMessage(policy=POLICY)
    msg.set_raw("Subject", encoded_text("Subject", row.subject))
    msg.set_raw("From", encoded_addresses("From", [sender_address(mail_from)]))
    msg.set_raw("To", encoded_addresses("To", [parse_address(a) for a in row.to_addrs]))
    if row.cc_addrs:
        msg.set_raw("Cc", encoded_addresses("Cc", [parse_address(a) for a in row.cc_addrs]))
    if row.reply_to:
        msg.set_raw("Reply-To", encoded_addresses("Reply-To", [parse_address(row.reply_to)]))
    msg["Date"] = utils.format_datetime(date.astimezone(dt.UTC))
    msg["Message-ID"] = one_line(row.message_id)
    if list_id:
        msg["List-Id"] = one_line(list_id)
    if row.assignment_id is not None:
        msg["X-Kontrol-Assignment"] = str(row.assignment_id)
    msg["X-Kontrol-Kind"] = one_line(row.kind)
    msg["Auto-Submitted"] = "auto-generated"
    # base64 named outright: left to choose, the stdlib also computes quoted-printable in pure
    # Python for every Russian text, which is most of the time spent building a message.
    msg.set_content(row.body_text, subtype="plain", charset="utf-8", cte="base64")
    msg.add_alternative(row.body_html, subtype="html", charset="utf-8", cte="base64")
    for att in row.attachments:
        add_attachment(msg, att)
    return msg


def add_attachment(msg: EmailMessage, att: Mapping[str, Any]) -> None:
    maintype, _, subtype = str(att["content_type"]).partition("/")
    filename = one_line(str(att["filename"]))
    if att.get("encoding") == "base64":
        data = base64.b64decode(att["content"])
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    elif maintype == "text":
        params = dict(att.get("params") or {})
        msg.add_attachment(
            str(att["content"]), subtype=subtype, filename=filename, params=params, cte="base64"
        )
    else:
        raise ValueError(f"attachment {filename}: text content needs a text/* type")


def assignment_ics(
    *,
    assignment_id: int,
    due_on: dt.date,
    summary: str,
    period: str,
    title: str,
    url: str,
    now: dt.datetime,
    sequence: int = 0,
) -> dict[str, Any]:
    """An all-day VEVENT on the due date; UID stable per assignment so a new date updates it.

    The description is «<period>. <title>» and the link; a period phrase that ends with «г.»
    takes no second period (``russian.full_stop``)."""
    cal = Calendar()
    cal.add("prodid", "-//kontrol//kontrol//RU")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"assignment-{assignment_id}@kontrol")
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", due_on)
    event.add("dtend", due_on + dt.timedelta(days=1))
    event.add("summary", one_line(summary))
    event.add("description", f"{full_stop(one_line(period))} {one_line(title)}\n{url}")
    event.add("url", url)
    event.add("sequence", sequence)
    event.add("transp", "TRANSPARENT")
    cal.add_component(event)
    return {
        "filename": f"assignment-{assignment_id}.ics",
        "content_type": "text/calendar",
        "params": {"method": "PUBLISH"},
        "content": cal.to_ical().decode("utf-8"),
    }
