"""kontrol's mailbox over IMAP (``imap-tools``): the messages waiting in the folder, their bytes,
and moving each one, once handled, to «processed» or «rejected».

The connection is what ``KONTROL_IMAP_*`` say: ``tls`` from the first byte (993),
``starttls`` upgrading a plain connection (143) — neither falls back to plain text — or
``none`` (the local Dovecot of the tests and the demo). Messages are read with ``BODY.PEEK``:
reading marks nothing; only the move says a message was handled. A message keeps its UID while
the folder keeps its ``UIDVALIDITY``, and both are recorded with what was done with it.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage
from imap_tools.errors import UnexpectedCommandStatusError

from kontrol.errors import KontrolError
from kontrol.settings import Settings

PROCESSED = "processed"
REJECTED = "rejected"
BULK = 50  # messages per FETCH: one round trip for many, bounded memory


@dataclass(frozen=True)
class Fetched:
    uid: int
    raw: bytes


class _RawMessage(MailMessage):
    """imap-tools' message keeping the bytes as the server sent them, and not parsing them
    (``reply_message`` does, once: a second parse was a third of a reply's time)."""

    def __init__(self, fetch_data: list[Any]) -> None:
        raw, uid_data, flag_data = self._get_message_data_parts(fetch_data)
        self._raw_uid_data, self._raw_flag_data = uid_data, flag_data
        self.raw: bytes = raw


class Mailbox:
    """One logged-in connection, the folder selected."""

    def __init__(self, box: BaseMailBox, folder: str) -> None:
        self.box = box
        self.folder = folder
        _after_login_capabilities(box)
        for name in (PROCESSED, REJECTED):
            if not box.folder.exists(name):
                try:
                    box.folder.create(name)
                except UnexpectedCommandStatusError:
                    if not box.folder.exists(name):  # else another fetch made it meanwhile
                        raise
        box.folder.set(folder)
        self.uidvalidity = int(box.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"])

    def uids(self) -> list[int]:
        return sorted(int(u) for u in self.box.uids("ALL"))

    def fetch(self, uids: Sequence[int]) -> Iterator[Fetched]:
        """The messages' bytes, ``BULK`` at a time, nothing marked seen."""
        for start in range(0, len(uids), BULK):
            chunk = [str(u) for u in uids[start : start + BULK]]
            for message in self.box.fetch(uid_list=chunk, mark_seen=False, bulk=BULK):
                assert isinstance(message, _RawMessage)
                if message.uid is not None:
                    yield Fetched(int(message.uid), message.raw)

    def move(self, uids: Sequence[int], folder: str) -> None:
        """Move the messages; one that another fetch running at the same time moved already
        is no longer here and is left alone (the database decided which of them acts)."""
        if not uids:
            return
        try:
            self.box.move([str(u) for u in uids], folder)
        except UnexpectedCommandStatusError:
            left = sorted(set(uids) & set(self.uids()))
            if left:
                self.box.move([str(u) for u in left], folder)

    def append(self, raw: bytes) -> None:
        """Put a message in the folder (the tests and the demo deliver replies this way)."""
        self.box.append(raw, self.folder)


def _box(settings: Settings) -> BaseMailBox:
    host, port, tls = settings.imap_host or "", settings.imap_port, settings.imap_tls
    timeout = 60
    if tls == "tls":
        box: BaseMailBox = MailBox(host, port, timeout=timeout, ssl_context=_context(settings))
    elif tls == "starttls":
        box = MailBoxStartTls(host, port, timeout=timeout, ssl_context=_context(settings))
    else:
        box = MailBoxUnencrypted(host, port, timeout=timeout)
    box.email_message_class = _RawMessage
    return box


def _after_login_capabilities(box: BaseMailBox) -> None:
    """Ask the server what it can do once logged in: Python's imaplib keeps the list it got
    before the login, where servers (Dovecot) leave out MOVE — and without MOVE imap-tools
    copies and deletes, so two fetches at once could both copy a message."""
    typ, data = box.client.capability()
    if typ == "OK" and data and data[-1]:
        line = data[-1]
        box.client.capabilities = tuple(
            (line.decode() if isinstance(line, bytes) else str(line)).upper().split()
        )


def _context(settings: Settings) -> ssl.SSLContext:
    ca = settings.imap_ca_file
    return ssl.create_default_context(cafile=str(ca) if ca else None)


@contextmanager
def open_mailbox(settings: Settings) -> Iterator[Mailbox]:
    """The mailbox of the settings, logged in; a ``KontrolError`` naming the server and the
    setting when it cannot be reached or refuses the login."""
    if not settings.imap_host:
        raise KontrolError(
            "KONTROL_IMAP_HOST is not set: kontrol has no mailbox to read replies from"
        )
    where = f"{settings.imap_host}:{settings.imap_port} ({settings.imap_tls})"
    try:
        box = _box(settings).login(
            settings.imap_username or "", settings.imap_password or "", initial_folder=None
        )
    except (OSError, ssl.SSLError) as exc:
        raise KontrolError(f"IMAP server {where} cannot be reached: {exc}") from exc
    except Exception as exc:  # imap-tools' MailboxLoginError and imaplib's errors
        raise KontrolError(
            f"IMAP server {where} refused the login of "
            f"KONTROL_IMAP_USERNAME={settings.imap_username!r}: {exc}"
        ) from exc
    try:
        yield Mailbox(box, settings.imap_folder)
    finally:
        with suppress(Exception):
            box.logout()
