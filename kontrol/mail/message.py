"""From an outbox row to the bytes SMTP sends (the MIME is written by ``kontrol.mail.mime``).

``headerregistry.Address`` checks addresses.
Russian subjects and display names are encoded here (RFC 2047, ``encoded_words``). What the
stdlib cannot know is that a body's name or an activity's text may hold CR/LF: everything bound
for a header goes through ``one_line`` first, so «\\r\\nBcc: …» stays text and never becomes a
header.

A long subject or display name takes several encoded-words, and each holds whole words: the
stdlib's ``Header`` cuts wherever 75 characters run out, mid-word, and readers that do not join
adjacent encoded-words (they should, RFC 2047 §6.2) then show «професс ионального». Split only
at spaces, with the space inside the earlier word as RFC 2047 wants, the text reads back exactly
in RFC decoders (``email.header.decode_header``, mail clients), and a reader that does not join
shows at worst two spaces between two words. (CPython's address-list parser is such a reader,
gh-128110: its display names get that second space.)

The Date header is in the policy's time zone (``+0300`` in Moscow): the time the people who
read the mail live by.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import math
import re
import uuid
from email import utils
from email.header import Header
from email.headerregistry import Address
from functools import lru_cache
from typing import Any

from icalendar import Calendar, Event

from kontrol.mail.mime import message_bytes
from kontrol.mail.render import one_line
from kontrol.mail.russian import full_stop
from kontrol.models import OutboxMessage
from kontrol.models.base import utc

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


EW_MAX = 75  # RFC 2047 §2: the longest encoded-word
LINE_MAX = 78  # RFC 5322 §2.1.1: the longest line a header should have
_EW_OVERHEAD = len("=?utf-8?b??=")


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


def address_list(text: str) -> list[Address]:
    """Each address of a stored list («"A" <a@x>, b@y»: Reply-To may name two)."""
    return [parse_address(format_address(a, n)) for n, a in utils.getaddresses([text]) if a]


def sender_address(mail_from: str, default_name: str = "kontrol") -> Address:
    address = parse_address(mail_from)
    if address.display_name:
        return address
    return Address(default_name, address.username, address.domain)


def encoded_words(text: str, *, first: int = EW_MAX) -> list[str]:
    """``text`` as base64 UTF-8 encoded-words, each holding whole words.

    Words are packed greedily into encoded-words of at most ``EW_MAX`` characters (``first``
    for the one that shares its line with the header's name); every one but the last ends
    with the space that follows its last word, inside it, where decoders keep it. A single
    word too long for any encoded-word (some 23 Cyrillic letters) gets one of its own, longer
    than 75 characters: a word cut in two is what this function exists to prevent.
    """
    chunks: list[str] = []
    for word in text.split(" "):
        room = first if len(chunks) == 1 else EW_MAX
        if chunks and _ew_len(f"{chunks[-1]}{word} ") <= room:
            chunks[-1] = f"{chunks[-1]}{word} "
        else:
            chunks.append(f"{word} ")
    if chunks:
        chunks[-1] = chunks[-1][:-1]
    return [_ew(chunk) for chunk in chunks]


def _ew_len(text: str) -> int:
    return _EW_OVERHEAD + 4 * math.ceil(len(text.encode("utf-8")) / 3)


def _ew(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode('utf-8')).decode('ascii')}?="


def encoded_text(name: str, text: str) -> str:
    """An unstructured header (Subject): ASCII folded at spaces by the stdlib, anything else
    as ``encoded_words`` one to a line, stored with ``set_raw`` so nothing refolds them."""
    text = one_line(text)
    if text.isascii():
        return Header(text, "us-ascii", maxlinelen=76, header_name=name).encode(linesep="\n")
    return "\n ".join(encoded_words(text, first=min(EW_MAX, LINE_MAX - len(name) - 2)))


def encoded_addresses(name: str, addresses: list[Address]) -> str:
    """An address list with each non-ASCII display name encoded and on its own lines."""
    parts = []
    for index, a in enumerate(addresses):
        if not a.display_name or a.display_name.isascii():
            parts.append(utils.formataddr((a.display_name, a.addr_spec)))
            continue
        first = min(EW_MAX, LINE_MAX - len(name) - 2) if index == 0 else EW_MAX
        phrase = "\n ".join(encoded_words(a.display_name, first=first))
        parts.append(f"{phrase}\n <{a.addr_spec}>")
    return ",\n ".join(parts)


def build_message(
    row: OutboxMessage,
    *,
    mail_from: str,
    date: dt.datetime,
    zone: dt.tzinfo,
    list_id: str | None = None,
) -> bytes:
    """The message of one row, as sent; the same row always gives the same bytes but Date,
    which is ``date`` in ``zone`` (the policy's time zone)."""
    headers = [
        ("Subject", encoded_text("Subject", row.subject)),
        ("From", encoded_addresses("From", [sender_address(mail_from)])),
        ("To", encoded_addresses("To", [parse_address(a) for a in row.to_addrs])),
    ]
    if row.cc_addrs:
        headers.append(("Cc", encoded_addresses("Cc", [parse_address(a) for a in row.cc_addrs])))
    if row.reply_to:
        headers.append(("Reply-To", encoded_addresses("Reply-To", address_list(row.reply_to))))
    headers += [
        ("Date", utils.format_datetime(utc(date).astimezone(zone))),
        ("Message-ID", one_line(row.message_id)),
    ]
    if list_id:
        headers.append(("List-Id", one_line(list_id)))
    if row.assignment_id is not None:
        headers.append(("X-Kontrol-Assignment", str(row.assignment_id)))
    headers += [("X-Kontrol-Kind", one_line(row.kind)), ("Auto-Submitted", "auto-generated")]
    return message_bytes(
        headers,
        text=row.body_text,
        html=row.body_html,
        attachments=row.attachments,
        message_id=row.message_id,
    )


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
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """An all-day VEVENT on the due date; UID stable per assignment so a new date updates it.

    ``at``: the time of day the phrase wrote with its date («22 июня 10.00 ч.», aware, on that
    day): the event is at that time instead of all day.

    The description is «<period>. <title>» and the link; a period phrase that ends with «г.»
    takes no second period (``russian.full_stop``)."""
    cal = Calendar()
    cal.add("prodid", "-//kontrol//kontrol//RU")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"assignment-{assignment_id}@kontrol")
    event.add("dtstamp", utc(now))
    if at is None:
        event.add("dtstart", due_on)
        event.add("dtend", due_on + dt.timedelta(days=1))
    else:  # the phrase gives a start only: no end
        event.add("dtstart", at)
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
