"""Wrong settings and a database that cannot be used: one line naming the variable and its
value (never a password), exit code 2, nothing written — and a real bug keeps its traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from kontrol.cli import main
from kontrol.models import OutboxMessage
from tests.cli_runner import Result, run
from tests.conftest import PG_URL
from tests.mail.factory import enqueue_every_kind, make_world, settings_for


def closed_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (bound, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one_line_error(result: Result, *needles: str) -> None:
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err, result.err
    assert result.out == "", result.out  # nothing half-printed either
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kontrol: error:"), result.err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


BAD_URLS = {
    "unreachable server": (
        lambda: f"postgresql://kontrol:s3cret@127.0.0.1:{closed_port()}/kontrol",
        "Connection refused",
    ),
    "unsupported scheme": (lambda: "mysql://kontrol:s3cret@db.example/kontrol", "«mysql»"),
    "garbage": (lambda: ":::", "not a database URL"),
    "missing folder": (
        lambda: "sqlite:////nonexistent/dir/x.db",
        "the folder /nonexistent/dir does not exist",
    ),
    "port out of range": (lambda: "postgresql://u@127.0.0.1:99999/db", "port 99999"),
}


@pytest.mark.parametrize("case", BAD_URLS)
@pytest.mark.parametrize("command", [("init",), ("items", "--json"), ("mail", "deliver")])
def test_a_wrong_database_url_is_one_line(
    case: str,
    command: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    make_url, words = BAD_URLS[case]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KONTROL_DATABASE_URL", make_url())
    result = run(capsys, *command)
    one_line_error(result, "KONTROL_DATABASE_URL=", words)
    assert "s3cret" not in result.err
    assert not Path("/nonexistent").exists() and list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_a_database_missing_on_a_real_server_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not PG_URL:
        pytest.skip("no PostgreSQL: set KONTROL_TEST_POSTGRES_URL (scripts/test does)")
    url = PG_URL.rpartition("/")[0] + "/kontrol_no_such_database"
    monkeypatch.setenv("KONTROL_DATABASE_URL", url)
    one_line_error(run(capsys, "init"), 'database "kontrol_no_such_database" does not exist')


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        (
            "KONTROL_SMTP_PORT",
            "99999",
            "KONTROL_SMTP_PORT='99999': a whole number at most 65535 is wanted",
        ),
        ("KONTROL_SMTP_PORT", "0", "KONTROL_SMTP_PORT='0': a whole number at least 1 is wanted"),
        ("KONTROL_PORTAL_MAX_UPLOAD_MB", "0", "KONTROL_PORTAL_MAX_UPLOAD_MB='0'"),
        ("KONTROL_PORTAL_LINK_TTL_DAYS", "-5", "KONTROL_PORTAL_LINK_TTL_DAYS='-5'"),
        # a link's expiry past the calendar: every link answered 500
        (
            "KONTROL_PORTAL_LINK_TTL_DAYS",
            "99999999999",
            "a whole number at most 3650 is wanted",
        ),
        ("KONTROL_PORTAL_MAX_UPLOAD_MB", "1e12", "a number at most 1024 is wanted"),
        # read by the portal alone, it ended `kontrol portal` in a traceback
        ("KONTROL_PORTAL_REPORT_ACCEPTANCE", "maybe", "KONTROL_PORTAL_REPORT_ACCEPTANCE='maybe'"),
        # msgspec took «null» for unset
        ("KONTROL_PORTAL_LINK_TTL_DAYS", "null", "='null': a whole number is wanted"),
        ("KONTROL_SMTP_TLS", "ssl", "KONTROL_SMTP_TLS='ssl': one of none, starttls, tls is wanted"),
        # every mail's From: delivery crashed with the rows it claimed left in «sending»
        ("KONTROL_MAIL_FROM", "not an address", "KONTROL_MAIL_FROM='not an address': an e-mail"),
        ("KONTROL_MAIL_FROM", "kontrol@localhost", "KONTROL_MAIL_FROM='kontrol@localhost'"),
    ],
)
def test_a_number_out_of_range_is_refused_at_load_time(
    variable: str,
    value: str,
    words: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Every command refuses it, even one that would not use it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, value)
    one_line_error(run(capsys, "schedule", "Ежегодно, январь 2020-2030 г.г."), words)


def test_an_smtp_port_out_of_range_leaves_the_outbox_as_it_was(
    kontrol_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: accepted, then delivery crashed (OverflowError) with the rows it had claimed
    left in "sending" until their lease ran out."""
    world = make_world(kontrol_env)
    enqueue_every_kind(world, settings_for(1))
    monkeypatch.setenv("KONTROL_SMTP_PORT", "99999")
    one_line_error(run(capsys, "mail", "deliver"), "KONTROL_SMTP_PORT='99999'")
    one_line_error(run(capsys, "mail", "check", "--json"), "KONTROL_SMTP_PORT='99999'")
    monkeypatch.setenv("KONTROL_SMTP_PORT", "8025")
    monkeypatch.setenv("KONTROL_MAIL_FROM", "not an address")
    one_line_error(run(capsys, "mail", "deliver"), "KONTROL_MAIL_FROM='not an address'")
    one_line_error(run(capsys, "mail", "check"), "KONTROL_MAIL_FROM='not an address'")
    with world.transaction() as s:
        rows = s.execute(select(OutboxMessage.status, OutboxMessage.attempts)).all()
    world.engine.dispose()
    assert len(rows) == 5 and set(rows) == {("pending", 0)}  # one mail of each kind


def test_a_database_error_that_is_a_bug_keeps_its_traceback(
    kontrol_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A table missing under a current schema revision is not the user's doing: no tidy
    line hides it (SQLite calls it an OperationalError too)."""
    world = make_world(kontrol_env)
    with world.transaction() as s:
        s.execute(text("ALTER TABLE outbox RENAME TO outbox_gone"))
    world.engine.dispose()
    with pytest.raises(DBAPIError):
        main(["mail", "list"])


def test_a_read_only_sqlite_database_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Reading works; the first write is refused by SQLite, said in one line, nothing sent."""
    world = make_world(f"sqlite:///{tmp_path / 'k.db'}")
    enqueue_every_kind(world, settings_for(1))
    world.engine.dispose()
    read_only = f"sqlite:///file:{tmp_path / 'k.db'}?mode=ro&uri=true"
    monkeypatch.setenv("KONTROL_DATABASE_URL", read_only)
    monkeypatch.setenv("KONTROL_SMTP_PORT", "1")
    assert len(run(capsys, "mail", "list", "--json").json()) == 5
    one_line_error(run(capsys, "mail", "deliver"), "attempt to write a readonly database")
