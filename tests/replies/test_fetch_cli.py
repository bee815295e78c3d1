"""``kontrol mail fetch`` as a shell runs it; the ``mail-fetch`` deployment exists only with a
mailbox; an unreachable mailbox is one line and exit code 2."""

from __future__ import annotations

import dataclasses

import pytest

from kontrol.context import App
from kontrol.deployments.mailbox import CRON, mailbox_deployment
from tests.cli_runner import run
from tests.portal.conftest import KEY
from tests.replies.conftest import PDF, Desk


@pytest.fixture
def shell(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> Desk:
    s = desk.settings
    for name, value in {
        "DATABASE_URL": s.database_url,
        "SECRET_KEY": KEY,
        "MAIL_FROM": s.mail_from,
        "UPLOAD_DIR": str(s.upload_dir),
        "IMAP_HOST": s.imap_host,
        "IMAP_PORT": str(s.imap_port),
        "IMAP_TLS": s.imap_tls,
        "IMAP_USERNAME": s.imap_username,
        "IMAP_PASSWORD": s.imap_password,
    }.items():
        monkeypatch.setenv(f"KONTROL_{name}", str(value))
    return desk


def test_mail_fetch_prints_what_it_did(shell: Desk, capsys: pytest.CaptureFixture[str]):
    shell.deliver(
        shell.reply(shell.lead, "Исполнено.", files=[("a.pdf", "application/pdf", PDF)]),
        shell.reply(shell.co, "Исполнено.", sender="someone@example.com"),
    )
    result = run(capsys, "mail", "fetch", "--json")
    assert result.code == 0, result.err
    assert [(h["outcome"], h["folder"]) for h in result.json()] == [
        ("done", "processed"),
        ("rejected", "rejected"),
    ]
    assert run(capsys, "mail", "fetch", "--json").json() == []
    table = run(capsys, "mail", "fetch")
    assert table.code == 0 and "0 message(s)" in table.out


def test_an_unreachable_mailbox_is_one_line(
    shell: Desk, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("KONTROL_IMAP_PORT", "1")
    result = run(capsys, "mail", "fetch")
    assert result.code == 2
    assert "IMAP server 127.0.0.1:1 (none) cannot be reached" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_the_deployment_runs_every_five_minutes_in_working_hours_with_a_mailbox(desk: Desk):
    deployment = mailbox_deployment(App(desk.settings))
    assert deployment is not None and deployment.name == "mail-fetch"
    [schedule] = deployment.schedules
    assert schedule.schedule.cron == CRON == "*/5 8-19 * * 1-5"
    assert schedule.schedule.timezone == "Europe/Moscow"
    no_mailbox = dataclasses.replace(desk.settings, imap_host=None)
    assert mailbox_deployment(App(no_mailbox)) is None


def test_without_a_mailbox_fetch_says_which_setting_is_missing(
    shell: Desk, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("KONTROL_IMAP_HOST")
    result = run(capsys, "mail", "fetch")
    assert result.code == 2 and "KONTROL_IMAP_HOST is not set" in result.err
