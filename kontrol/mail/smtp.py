"""The SMTP server as delivery meets it: a client for the configured server, a check that
sends nothing, and what its errors mean (retry or not, in words).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import asdict, dataclass

import aiosmtplib

from kontrol.settings import Settings

Refusal = tuple[str, int, str]  # (address, SMTP code, the server's words)


def smtp_client(settings: Settings, *, timeout: float = 30.0) -> aiosmtplib.SMTP:
    """A client for the configured server: smtp_tls none | starttls | tls, AUTH if a user.

    With starttls the upgrade is required, not tried: a server that does not offer it is an
    error, never a fallback to plain text. Certificates are always verified, against
    ``smtp_ca_file`` when it is set.
    """
    return aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password or None,
        use_tls=settings.smtp_tls == "tls",
        start_tls=settings.smtp_tls == "starttls",
        cert_bundle=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
        timeout=timeout,
    )


@dataclass(frozen=True)
class ServerCheck:
    """What ``kontrol mail check`` found: enough to tell a wrong port from a wrong password."""

    server: str
    ok: bool
    tls: str | None = None  # "TLSv1.3, TLS_AES_256_GCM_SHA384"
    login: str | None = None  # the user we logged in as
    extensions: tuple[str, ...] = ()
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "extensions": list(self.extensions)}


async def check_server(settings: Settings, *, timeout: float = 10.0) -> ServerCheck:
    """Connect, upgrade and log in exactly as delivery does, then say goodbye: sends nothing."""
    server = f"{settings.smtp_host}:{settings.smtp_port}"
    smtp = smtp_client(settings, timeout=timeout)
    try:
        await smtp.connect()
        ssl_object = smtp.get_transport_info("ssl_object")
        tls = f"{ssl_object.version()}, {ssl_object.cipher()[0]}" if ssl_object else None
        if smtp.last_ehlo_response is None:  # plain and no login: connect() sent no EHLO
            await smtp.ehlo()
        assert smtp.last_ehlo_response is not None
        extensions = tuple(sorted(smtp.last_ehlo_response.message.splitlines()[1:]))
        await smtp.noop()
        with contextlib.suppress(aiosmtplib.SMTPException, OSError):
            await smtp.quit()
    except (aiosmtplib.SMTPException, OSError) as exc:
        return ServerCheck(server, ok=False, error=connect_words(exc))
    finally:
        smtp.close()
    return ServerCheck(
        server, ok=True, tls=tls, login=settings.smtp_username or None, extensions=extensions
    )


def classify(exc: BaseException) -> tuple[str, str]:
    """(retry | failed, reason) for an error while sending one message."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        reason = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        return ("retry" if all(400 <= c < 500 for c in codes) else "failed"), reason
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        status = "failed" if exc.code >= 500 else "retry"
        return status, f"{exc.code} {exc.message}"
    return "retry", f"{type(exc).__name__}: {exc}"


def connect_words(exc: BaseException) -> str:
    """Why connecting (with TLS and login) failed, in words: the server's reply, or the
    system's reason without Python's tuples (\"Connection refused\", not \"[Errno 111] Connect
    call failed ('127.0.0.1', 1)\")."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"
    cause = exc.__cause__
    if (
        isinstance(exc, aiosmtplib.SMTPConnectError)
        and isinstance(cause, OSError)
        and not isinstance(cause, TimeoutError)
        and cause.errno is not None
    ):
        words = os.strerror(cause.errno) if cause.errno > 0 else cause.strerror
        return f"{words or cause}"
    return f"{type(exc).__name__}: {exc}"


def describe(refused: tuple[Refusal, ...]) -> str:
    return "; ".join(f"{address}: {code} {words}" for address, code, words in refused)
