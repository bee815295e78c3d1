"""A message's bytes, written directly: kontrol's mails have one shape, and the stdlib's
generator spent two milliseconds on each.

Every mail is a text and an HTML version of one letter (``multipart/alternative``), with
attachments after them (``multipart/mixed``) when there are any; every body is UTF-8 or binary
in base64. For that shape the stdlib's ``EmailMessage`` parsed each MIME header it had just set
itself, refolded it on output and compiled a regular expression per boundary — most of the
cost of a sweep's mail (``bench/README-sweep.md``). Here the headers arrive already encoded and
folded (``kontrol.mail.message``), the bodies are base64 in lines of 76, and the boundaries come
from the Message-ID, so the same row always gives the same bytes. They cannot occur inside a
part: they hold «=_», which base64 never writes. ``tests/mail/test_mime.py`` holds every part,
header and parameter to what the stdlib reads back, and to the message the stdlib builds.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from email.utils import encode_rfc2231
from typing import Any

from kontrol.mail.render import one_line

CRLF = "\r\n"
LINE_MAX = 78  # RFC 5322 §2.1.1
SECTION = 60  # an RFC 2231 section's value: with its name and the fold, within LINE_MAX


def header_lines(name: str, value: str) -> str:
    """One header, its folds (``\\n `` from the encoders) as CRLF; a line break that does not
    start a continuation would start a header of its own, so it is refused."""
    lines = value.split("\n")
    if any(not line[:1].isspace() for line in lines[1:]) or "\r" in value:
        raise ValueError(f"{name}: a line break inside a header value")
    return f"{name}: {CRLF.join(lines)}{CRLF}"


def _params(name: str, value: str) -> list[str]:
    """A parameter, quoted; RFC 2231 (``filename*=utf-8''…``) when it is not ASCII or long, cut into
    numbered sections (``filename*0*=``, ``filename*1*=``…) when one line cannot hold it."""
    if value.isascii() and len(value) <= SECTION:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return [f'{name}="{escaped}"']
    encoded = encode_rfc2231(value, "utf-8")
    if len(encoded) <= SECTION:
        return [f"{name}*={encoded}"]
    sections, rest = [], encoded
    while rest:
        cut = min(SECTION, len(rest))
        if "%" in rest[cut - 2 : cut]:  # never split a %XX
            cut = rest.rindex("%", 0, cut)
        sections.append(rest[:cut])
        rest = rest[cut:]
    return [f"{name}*{i}*={section}" for i, section in enumerate(sections)]


def _header_with_params(name: str, value: str, params: Mapping[str, str]) -> str:
    """``value; a="b"; …`` on one line when it fits, else each parameter on a line of its own."""
    parts = [p for k, v in params.items() for p in _params(k, v)]
    line = "; ".join([value, *parts])
    if len(name) + 2 + len(line) <= LINE_MAX:
        return header_lines(name, line)
    return header_lines(name, ";\n ".join([value, *parts]))


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii").replace("\n", CRLF)


def _text(text: str) -> bytes:
    """Text in canonical form (RFC 2046 §4.1.1): CRLF after every line, the last included."""
    return b"".join(line + b"\r\n" for line in text.encode("utf-8").splitlines())


def _leaf(mime: str, params: Mapping[str, str], data: bytes, filename: str | None = None) -> str:
    head = _header_with_params("Content-Type", mime, params)
    if filename is not None:
        head += _header_with_params("Content-Disposition", "attachment", {"filename": filename})
    return f"{head}Content-Transfer-Encoding: base64{CRLF}{CRLF}{_b64(data)}"


def _multipart(subtype: str, boundary: str, parts: Sequence[str]) -> str:
    head = header_lines("Content-Type", f'multipart/{subtype}; boundary="{boundary}"')
    body = "".join(f"--{boundary}{CRLF}{part}{CRLF}" for part in parts)
    return f"{head}{CRLF}{body}--{boundary}--{CRLF}"


def attachment_part(att: Mapping[str, Any]) -> str:
    """An attachment as the outbox stores it: ``content`` base64 (``encoding``) or text."""
    mime = str(att["content_type"])
    maintype = mime.partition("/")[0]
    filename = one_line(str(att["filename"]))
    if att.get("encoding") == "base64":
        return _leaf(mime, {}, base64.b64decode(att["content"]), filename)
    if maintype != "text":
        raise ValueError(f"attachment {filename}: text content needs a text/* type")
    params = {"charset": "utf-8", **{str(k): str(v) for k, v in (att.get("params") or {}).items()}}
    return _leaf(mime, params, _text(str(att["content"])), filename)


def message_bytes(
    headers: Sequence[tuple[str, str]],
    *,
    text: str,
    html: str,
    attachments: Sequence[Mapping[str, Any]] = (),
    message_id: str,
) -> bytes:
    """The whole message: ``headers`` (encoded, folded with ``\\n ``), then the letter."""
    seed = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:24]
    alternative = _multipart(
        "alternative",
        f"=_alt_{seed}",
        [
            _leaf("text/plain", {"charset": "utf-8"}, _text(text)),
            _leaf("text/html", {"charset": "utf-8"}, _text(html)),
        ],
    )
    body = alternative
    if attachments:
        parts = [alternative, *(attachment_part(a) for a in attachments)]
        body = _multipart("mixed", f"=_mix_{seed}", parts)
    head = "".join(header_lines(name, value) for name, value in headers)
    return f"{head}MIME-Version: 1.0{CRLF}{body}".encode("ascii")
