"""The ``kontrol-mail-fetch`` flow on the real Prefect test server, the real Dovecot and SMTP
sink: a reply with a PDF completes the assignment, the curator's mail is delivered by the flow
itself, and the ``kontrol-mail-replies`` artifact lists each message with what was done."""

from __future__ import annotations

import json

import pytest
from prefect.artifacts import Artifact

from kontrol.flows.mailbox import mail_fetch
from tests.portal.conftest import KEY
from tests.replies.conftest import PDF, Desk, desk  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_the_flow_reads_acts_delivers_and_shows(desk: Desk, monkeypatch: pytest.MonkeyPatch):  # noqa: F811
    s = desk.settings
    for name, value in {
        "DATABASE_URL": s.database_url,
        "SECRET_KEY": KEY,
        "MAIL_FROM": s.mail_from,
        "UPLOAD_DIR": str(s.upload_dir),
        "SMTP_HOST": s.smtp_host,
        "SMTP_PORT": str(s.smtp_port),
        "IMAP_HOST": s.imap_host,
        "IMAP_PORT": str(s.imap_port),
        "IMAP_TLS": s.imap_tls,
        "IMAP_USERNAME": s.imap_username,
        "IMAP_PASSWORD": s.imap_password,
    }.items():
        monkeypatch.setenv(f"KONTROL_{name}", str(value))
    desk.deliver(
        desk.reply(desk.lead, "Исполнено.", files=[("a.pdf", "application/pdf", PDF)]),
        desk.reply(desk.lead, "Исполнено.", headers={"Auto-Submitted": "auto-replied"}),
    )

    result = mail_fetch()

    assert result == {"messages": 2, "counts": {"done": 1, "ignored": 1}}
    assert desk.assignment(desk.lead).status == "done"
    kinds = [str(m["X-Kontrol-Kind"]) for m in desk.recorder.messages()]
    assert "report_review" in kinds and "reply_answer" not in kinds
    artifact = Artifact.get("kontrol-mail-replies")
    assert artifact is not None
    rows = json.loads(str(artifact.data))
    assert [(r["Итог"], r["Папка"]) for r in rows] == [
        ("отчёт принят", "processed"),
        ("пропущено", "rejected"),
    ]
    assert "автоответ" in rows[1]["Причина"]
