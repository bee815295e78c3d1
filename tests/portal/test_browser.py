"""The whole path in a real browser: mail → sink → link in the .eml → report with a file.

Real servers only: the aiosmtpd sink, the portal under uvicorn on 127.0.0.1, headless Chromium
(Debian's /usr/bin/chromium driven by Playwright). Skipped when Chromium or Playwright is
missing — unless KONTROL_REQUIRE_BROWSER=1, where that is a failure.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kontrol.mail.delivery import deliver_pending
from kontrol.mail.sink import start_sink
from kontrol.models import Assignment
from kontrol.models.db import session_factory
from kontrol.models.report import Attachment
from kontrol.portal.app import create_app
from tests.portal import files
from tests.portal.conftest import build_world, settings_for

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is absent (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright)"
    return None


@pytest.fixture
def browser_ready() -> None:
    reason = _browser_missing()
    if reason is None:
        return
    if os.environ.get("KONTROL_REQUIRE_BROWSER") == "1":
        pytest.fail(f"KONTROL_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(f"no browser for the end-to-end test: {reason}")


@pytest.fixture
def portal_socket() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


def _serve(app, sock: socket.socket) -> tuple[object, threading.Thread]:  # type: ignore[no-untyped-def]
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the portal did not start"
        time.sleep(0.05)
    return server, thread


def _link_in_eml(mail_dir: Path, assignment_id: int) -> str:
    """The executor's link in the captured assignment mail of ``assignment_id``."""
    for path in sorted(mail_dir.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if (msg["X-Kontrol-Kind"], msg["X-Kontrol-Assignment"]) == (
            "assignment_issued",
            str(assignment_id),
        ):
            text = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
            found = re.search(r"http://127\.0\.0\.1:\d+/a/[\w.\-]+", text)
            if found:
                return found.group(0)
    raise AssertionError(f"no mail with a link for assignment {assignment_id} in {mail_dir}")


def test_an_executor_reports_from_the_mail_link_in_chromium(
    browser_ready: None, portal_socket: socket.socket, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    url = f"sqlite:///{tmp_path / 'kontrol.db'}"
    mail_dir = tmp_path / "mail"
    sink = start_sink("127.0.0.1", 0, mail_dir)
    port = portal_socket.getsockname()[1]
    settings = settings_for(
        url,
        tmp_path / "uploads",
        portal_base_url=f"http://127.0.0.1:{port}",
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        smtp_tls="none",
    )
    engine, _lead, co = build_world(url, settings)
    sessions = session_factory(engine)
    stats = asyncio.run(deliver_pending(sessions, settings, now=dt.datetime.now(dt.UTC)))
    assert stats.sent >= 2
    link = _link_in_eml(mail_dir, co)

    app = create_app(settings, emit=lambda *_: None)
    server, thread = _serve(app, portal_socket)
    report = tmp_path / "Отчёт ЛОИРО.pdf"
    report.write_bytes(files.PDF)
    csp_errors: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            page.on(
                "console",
                lambda m: csp_errors.append(m.text) if "Content Security" in m.text else None,
            )
            page.goto(link)
            assert "п. 3.1.2" in page.inner_text("h1")
            page.fill("#report", "Ресурсный центр создан, положение утверждено.")
            page.set_input_files("#files", str(report))
            page.click("#done-form button[type=submit]")
            page.wait_for_selector("#confirmation")
            assert "Отчёт отправлен" in page.inner_text("#confirmation")
            assert page.inner_text("#status") == "выполнено с опозданием"  # due in 2021
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "portal-report-submitted.png"), full_page=True)
            browser.close()
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        sink.stop()
        app.state.portal.engine.dispose()

    assert csp_errors == []
    with sessions() as s:
        a = s.get(Assignment, co)
        assert a is not None and a.status == "done" and a.completed_at is not None
        (att,) = s.scalars(select(Attachment)).all()
        assert att.original_name == "Отчёт ЛОИРО.pdf"
        assert (settings.upload_dir / att.stored_path).read_bytes() == files.PDF
    engine.dispose()
