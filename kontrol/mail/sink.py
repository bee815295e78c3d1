"""A local SMTP server that keeps every message it receives as an ``.eml`` file.

For the demo (``kontrol mail sink``), the tests and the benchmark: nothing leaves the machine.
It runs on its own event loop in a thread, bound with ``loop.create_server`` so that port 0
(any free port) works — aiosmtpd's threaded ``Controller`` cannot do that.
Files are named ``{UTC time}-{hash of Message-ID}.eml`` and written to a temporary name first,
then renamed, so a reader never sees half a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import os
import signal
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


def store_eml(directory: Path, data: bytes, *, at: dt.datetime) -> Path:
    """Write one message atomically (temp file + rename) and return its path."""
    headers = BytesHeaderParser().parsebytes(data)
    ident = (headers.get("Message-ID") or "").strip().encode() or data
    name = f"{at:%Y%m%dT%H%M%S%fZ}-{hashlib.sha256(ident).hexdigest()[:12]}.eml"
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / name
    tmp = directory / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, final)
    return final


@dataclass
class SinkHandler:
    """Accepts every message; stores it under ``directory`` (None: counts and discards)."""

    directory: Path | None = None
    keep: bool = False  # also keep (mail_from, rcpt_tos, content) in ``received``
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    count: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or envelope.content or b""
        if isinstance(data, str):
            data = data.encode("utf-8")
        if self.directory is not None:
            await asyncio.to_thread(store_eml, self.directory, data, at=dt.datetime.now(dt.UTC))
        if self.keep:
            self.received.append((envelope.mail_from or "", list(envelope.rcpt_tos), data))
        self.count += 1
        return "250 OK: message accepted"


@dataclass
class SinkHandle:
    host: str
    port: int
    handler: Any
    _loop: asyncio.AbstractEventLoop
    _server: asyncio.AbstractServer
    _thread: threading.Thread

    def stop(self) -> None:
        """Close the server and every open connection; return when the thread has ended."""
        if not self._thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        with contextlib.suppress(Exception):
            future.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _shutdown(self) -> None:
        self._server.close()
        me = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not me]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._server.wait_closed(), 5)

    def __enter__(self) -> SinkHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def password_check(logins: dict[str, str]) -> Callable[..., AuthResult]:
    """An aiosmtpd authenticator accepting exactly these user → password pairs."""

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = data.login.decode("utf-8", "replace")
        wanted = logins.get(user)
        ok = wanted is not None and hmac.compare_digest(wanted.encode(), data.password)
        return AuthResult(success=ok, handled=False, auth_data=user if ok else None)

    return authenticate


def start_sink(
    host: str = "127.0.0.1",
    port: int = 0,
    directory: Path | str | None = None,
    *,
    handler: Any = None,
    tls: ssl.SSLContext | None = None,
    implicit_tls: bool = False,
    logins: dict[str, str] | None = None,
) -> SinkHandle:
    """Start an SMTP server in a thread; ``port=0`` takes a free port (see ``.port``).

    ``handler`` is any aiosmtpd handler (tests pass ones that answer 451/550 or hang up);
    by default a ``SinkHandler`` storing into ``directory`` (None: discard).
    ``tls`` (a server context): STARTTLS offered and required before MAIL, or with
    ``implicit_tls`` TLS from the first byte. ``logins``: AUTH offered only over TLS, and
    required over STARTTLS.
    """
    if handler is None:
        handler = SinkHandler(Path(directory) if directory is not None else None)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="kontrol-mail-sink", daemon=True)
    thread.start()
    options: dict[str, Any] = {}
    if tls is not None and not implicit_tls:
        options.update(tls_context=tls, require_starttls=True)
    if logins is not None:
        options["authenticator"] = password_check(logins)
        if implicit_tls:
            # aiosmtpd counts only STARTTLS as TLS: over implicit TLS, AUTH is offered (the
            # connection is encrypted) but cannot be demanded without it warning
            options.update(auth_require_tls=False)
        else:
            options.update(auth_required=True)

    def factory() -> SMTP:
        return SMTP(handler, hostname="kontrol-sink", enable_SMTPUTF8=True, loop=loop, **options)

    try:
        server = asyncio.run_coroutine_threadsafe(
            loop.create_server(factory, host, port, ssl=tls if implicit_tls else None), loop
        ).result(timeout=10)
    except BaseException:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        raise
    bound = server.sockets[0].getsockname()[1]
    return SinkHandle(host, int(bound), handler, loop, server, thread)


def serve_forever(handle: SinkHandle, on_ready: Callable[[], None] | None = None) -> None:
    """Block until Ctrl-C or SIGTERM, then stop cleanly (no traceback).

    ``on_ready`` (e.g. printing the port) runs once the interrupt is caught here, so a Ctrl-C
    sent right after it is a clean stop too.
    """

    def _term(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _term)
    try:
        if on_ready is not None:
            on_ready()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        handle.stop()


def main(argv: list[str] | None = None) -> None:
    """``python -m kontrol.mail.sink [--host H] [--port P] [--dir D | --discard]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m kontrol.mail.sink")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", default="var/mail")
    parser.add_argument("--discard", action="store_true", help="count messages, store nothing")
    args = parser.parse_args(argv)
    directory = None if args.discard else Path(args.dir)
    handle = start_sink(args.host, args.port, directory)
    where = "discarding messages" if directory is None else f"storing .eml files in {directory}"
    serve_forever(
        handle, lambda: print(f"listening on {handle.host}:{handle.port}, {where}", flush=True)
    )
    print(f"stopped after {handle.handler.count} messages", flush=True)


if __name__ == "__main__":
    main()
