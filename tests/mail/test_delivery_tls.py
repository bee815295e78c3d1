"""STARTTLS, implicit TLS and AUTH against a real aiosmtpd server with a certificate from a
private CA: delivered when everything is right; when anything is wrong (bad password,
untrusted certificate, no STARTTLS offered) nothing goes out in plain text, nothing is failed
for good, and the reason is on the rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kontrol.mail.mailer import Mailer
from kontrol.mail.sink import start_sink
from kontrol.models import Assignment, OutboxMessage
from tests.cli_runner import Result, run
from tests.mail.certs import Pki, make_pki
from tests.mail.conftest import Recorder, deliver
from tests.mail.factory import NOW, World, add_assignment, settings_for

LOGINS = {"kontrol@edu.lenobl.example": "пароль-Ω-1"}  # non-ASCII: sent as UTF-8


class TlsRecorder(Recorder):
    """Also notes, per accepted message, whether it came over TLS and who logged in."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[bool, Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.seen.append((encrypted, session.auth_data))
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def issue(world: World, n: int) -> None:
    settings = settings_for(1)
    ids = [add_assignment(world, "3.1.2", "committee", key=f"k{i}") for i in range(n)]
    mailer = Mailer.of(settings)
    with world.transaction() as s:
        for aid in ids:
            a = s.get(Assignment, aid)
            assert a is not None
            mailer.assignment_issued(s, a, now=NOW)


def rows(world: World) -> list[OutboxMessage]:
    with world.transaction() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def secure(port: int, pki: Pki, mode: str, **extra: object) -> Any:
    user, password = next(iter(LOGINS.items()))
    values: dict[str, object] = {
        "smtp_tls": mode,
        "smtp_ca_file": pki.ca_file,
        "smtp_username": user,
        "smtp_password": password,
    }
    values.update(extra)
    return settings_for(port, **values)


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_delivered_over_tls_after_login(world: World, pki: Pki, mode: str) -> None:
    recorder = TlsRecorder()
    with start_sink(
        handler=recorder, tls=pki.server_context(), implicit_tls=mode == "tls", logins=LOGINS
    ) as smtp:
        issue(world, 5)
        stats = deliver(world, secure(smtp.port, pki, mode), concurrency=2)
    assert (stats.sent, stats.retried, stats.failed) == (5, 0, 0)
    assert recorder.seen == [(True, "kontrol@edu.lenobl.example")] * 5
    assert sorted(recorder.message_ids()) == sorted(r.message_id for r in rows(world))


def test_a_wrong_password_keeps_every_mail_for_later(world: World, pki: Pki) -> None:
    recorder = TlsRecorder()
    with start_sink(handler=recorder, tls=pki.server_context(), logins=LOGINS) as smtp:
        issue(world, 4)
        stats = deliver(world, secure(smtp.port, pki, "starttls", smtp_password="wrong"))
    assert stats.sent == 0 and stats.failed == 0
    assert recorder.seen == []
    waiting = rows(world)
    assert {r.status for r in waiting} == {"pending"}
    assert all("535" in (r.last_error or "") for r in waiting), [r.last_error for r in waiting]


def test_an_untrusted_certificate_is_refused(world: World, pki: Pki, tmp_path: Path) -> None:
    other = make_pki(tmp_path / "other")  # the server's certificate is not from this CA
    recorder = TlsRecorder()
    with start_sink(handler=recorder, tls=pki.server_context(), logins=LOGINS) as smtp:
        issue(world, 2)
        stats = deliver(world, secure(smtp.port, pki, "starttls", smtp_ca_file=other.ca_file))
    assert stats.sent == 0 and stats.failed == 0
    assert recorder.seen == []
    assert all("CERTIFICATE_VERIFY_FAILED" in (r.last_error or "") for r in rows(world))


def test_starttls_demanded_but_not_offered_sends_nothing_in_plain_text(
    world: World, pki: Pki
) -> None:
    recorder = TlsRecorder()
    with start_sink(handler=recorder) as smtp:  # a plain server: no STARTTLS in its EHLO
        issue(world, 2)
        stats = deliver(world, secure(smtp.port, pki, "starttls", smtp_username=None))
    assert stats.sent == 0 and stats.failed == 0
    assert recorder.seen == [] and recorder.received == []
    assert all("STARTTLS" in (r.last_error or "") for r in rows(world))


def check(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    port: int,
    pki: Pki,
    **env: str,
) -> Result:
    user, password = next(iter(LOGINS.items()))
    values = {
        "KONTROL_SMTP_HOST": "127.0.0.1",
        "KONTROL_SMTP_PORT": str(port),
        "KONTROL_SMTP_TLS": "starttls",
        "KONTROL_SMTP_CA_FILE": str(pki.ca_file),
        "KONTROL_SMTP_USERNAME": user,
        "KONTROL_SMTP_PASSWORD": password,
        **env,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return run(capsys, "mail", "check", "--json")


def test_mail_check_tries_the_settings_without_sending(
    pki: Pki, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = TlsRecorder()
    with start_sink(handler=recorder, tls=pki.server_context(), logins=LOGINS) as smtp:
        good = check(capsys, monkeypatch, smtp.port, pki)
        wrong = check(capsys, monkeypatch, smtp.port, pki, KONTROL_SMTP_PASSWORD="wrong")
        plain = check(capsys, monkeypatch, smtp.port, pki, KONTROL_SMTP_TLS="none")
    assert good.code == 0, good.out
    assert good.json()["ok"] is True
    assert good.json()["tls"].startswith("TLSv1.")
    assert good.json()["login"] == "kontrol@edu.lenobl.example"
    assert wrong.code == 1 and "535" in wrong.json()["error"]
    # plain text to a server that wants STARTTLS first: the login is refused, nothing is sent
    assert plain.code == 1 and plain.json()["error"]
    assert recorder.received == []


def test_a_bad_tls_setting_is_named_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KONTROL_SMTP_TLS", "ssl")
    result = run(capsys, "mail", "check")
    assert result.code == 2
    assert "KONTROL_SMTP_TLS='ssl'" in result.err and "starttls" in result.err
    assert "Traceback" not in result.err
