"""``kontrol mail deliver | list | sink`` as a shell runs them; the Prefect task outside a flow."""

from __future__ import annotations

import dataclasses
import datetime as dt
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from kontrol.mail.sink import SinkHandle, start_sink
from kontrol.models import OutboxMessage
from kontrol.settings import Settings
from kontrol.tasks.delivery import COUNT_COLUMN, RUN_COLUMN, counts_table, deliver_outbox
from tests.cli_runner import run
from tests.mail.conftest import Recorder
from tests.mail.factory import World, enqueue_every_kind, make_world, settings_for


@pytest.fixture
def cli_world(kontrol_env: str, monkeypatch: pytest.MonkeyPatch, smtp: SinkHandle) -> World:
    monkeypatch.setenv("KONTROL_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("KONTROL_MAIL_FROM", "kontrol@edu.lenobl.example")
    return make_world(kontrol_env)


def test_deliver_then_list(
    cli_world: World, capsys: pytest.CaptureFixture[str], recorder: Recorder, smtp: SinkHandle
) -> None:
    enqueue_every_kind(cli_world, settings_for(smtp.port))
    pending = run(capsys, "mail", "list", "--status", "pending", "--json")
    assert pending.code == 0 and len(pending.json()) == 5  # one per kind
    sent = run(capsys, "mail", "deliver", "--json")
    assert sent.code == 0, sent.err
    assert sent.json() == {"sent": 5, "retried": 0, "failed": 0, "released": 0, "stopped": None}
    assert len(recorder.received) == 5
    listed = run(capsys, "mail", "list", "--json")
    assert {r["status"] for r in listed.json()} == {"sent"}
    table = run(capsys, "mail", "list")
    assert table.code == 0 and "assignment_issued" in table.out
    assert run(capsys, "mail", "list", "--status", "failed", "--json").json() == []


def test_failed_mail_is_requeued_by_hand_once_fixed(
    cli_world: World, capsys: pytest.CaptureFixture[str], recorder: Recorder, smtp: SinkHandle
) -> None:
    enqueue_every_kind(cli_world, settings_for(smtp.port))
    recorder.refuse = ("edu@luga.example",)  # a mistyped address, say
    assert run(capsys, "mail", "deliver", "--json").json()["failed"] == 1
    [failed] = run(capsys, "mail", "list", "--status", "failed", "--json").json()
    assert "550" in failed["last_error"]
    recorder.refuse = ()  # ... corrected
    assert run(capsys, "mail", "retry").code == 2  # neither ids nor --all-failed
    unknown = run(capsys, "mail", "retry", str(failed["id"]), "99999", "--json")
    assert unknown.code == 1
    assert unknown.json() == {"requeued": [failed["id"]], "not_failed": [99999]}
    again = run(capsys, "mail", "retry", "--all-failed", "--json")
    assert again.code == 0 and again.json()["requeued"] == []  # nothing failed any more
    assert run(capsys, "mail", "deliver", "--json").json()["sent"] == 1
    [row] = [r for r in run(capsys, "mail", "list", "--json").json() if r["id"] == failed["id"]]
    assert row["status"] == "sent" and row["message_id"] == failed["message_id"]
    assert [rcpts for _, rcpts, _ in recorder.received][-1] == ["edu@luga.example"]


@pytest.mark.parametrize("as_json", [True, False])
def test_deliver_with_the_server_down_says_so_and_keeps_every_mail(
    kontrol_env: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    as_json: bool,
) -> None:
    """Exit 2 and one line with the reason; the counts still on stdout (JSON alone with
    --json); every mail pending, no attempt counted."""
    world = make_world(kontrol_env)
    enqueue_every_kind(world, settings_for(1))
    with start_sink() as smtp:
        port = smtp.port  # nobody listens there once the sink has stopped
    monkeypatch.setenv("KONTROL_SMTP_PORT", str(port))
    result = run(capsys, "mail", "deliver", *(["--json"] if as_json else []))
    assert result.code == 2, result
    [line] = result.err.strip().splitlines()
    assert line.startswith(f"kontrol: error: 127.0.0.1:{port}: the run stopped: cannot connect")
    assert "Connection refused" in line and "Traceback" not in result.err
    if as_json:
        counts = result.json()
        assert (counts["sent"], counts["released"]) == (0, 5)
        assert "Connection refused" in counts["stopped"]
    else:
        assert result.out.strip() == (
            f"127.0.0.1:{port}: sent 0, retry later 0, failed 0, not attempted 5"
        )
    with world.transaction() as s:
        rows = s.execute(select(OutboxMessage.status, OutboxMessage.attempts)).all()
    assert len(rows) == 5 and set(rows) == {("pending", 0)}

    # the server is back: the next run sends them all at once (they were held for 5 minutes)
    with start_sink(port=port) as smtp:
        again = run(capsys, "mail", "deliver", "--json")
    assert again.code == 0, again
    assert again.json()["sent"] == 5 and smtp.handler.count == 5
    with world.transaction() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}
    world.engine.dispose()


def test_sink_on_a_port_in_use_is_one_line(
    kontrol_env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(capsys, "mail", "sink", "--port", str(port), "--dir", str(tmp_path))
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.strip() == (
        f"kontrol: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_sink_into_a_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    """Said at start; before, the sink listened and lost the first message it was given."""
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    proc = subprocess.run(
        [sys.executable, "-m", "kontrol", "mail", "sink", "--port", "0", "--dir", f"{a_file}/x"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc
    wanted = f"kontrol: error: cannot store mail in {a_file}/x: Not a directory"
    assert proc.stderr.strip() == wanted


def test_sink_port_out_of_range_is_a_usage_error(
    kontrol_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "mail", "sink", "--port", "99999")
    assert result.code == 2 and "Traceback" not in result.err
    assert "99999 is not in the range 0<=x<=65535" in result.err


def test_mail_check_on_a_plain_server_without_login(
    kontrol_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The local sink's settings (no TLS, no login): connect() sends no EHLO of its own, and
    the check asked for its answer anyway (a traceback)."""
    with start_sink() as smtp:
        monkeypatch.setenv("KONTROL_SMTP_PORT", str(smtp.port))
        checked = run(capsys, "mail", "check", "--json")
        words = run(capsys, "mail", "check")
    assert checked.code == 0, checked.err
    assert checked.json()["ok"] is True and checked.json()["tls"] is None
    assert "SMTPUTF8" in checked.json()["extensions"]
    assert words.code == 0 and "ready to send" in words.out and "TLS: none" in words.out


def test_the_prefect_task_runs_outside_a_flow(
    world: World, settings: Settings, recorder: Recorder
) -> None:
    enqueue_every_kind(world, settings)
    local = dataclasses.replace(
        settings, database_url=world.engine.url.render_as_string(hide_password=False)
    )
    stats = deliver_outbox.fn(dt.datetime(2021, 1, 11, 9, tzinfo=dt.UTC), settings=local)
    assert stats.sent == 5 and len(recorder.received) == 5


def test_the_delivery_artifact_says_why_a_run_stopped(world: World) -> None:
    """A server that is down fails no mail, so the counts alone would not show it."""
    with start_sink() as smtp:
        down = settings_for(smtp.port)  # nobody listens there once the sink has stopped
    enqueue_every_kind(world, down)
    local = dataclasses.replace(
        down, database_url=world.engine.url.render_as_string(hide_password=False)
    )
    now = dt.datetime(2021, 1, 11, 9, tzinfo=dt.UTC)
    stats = deliver_outbox.fn(now, settings=local)
    table = {r[COUNT_COLUMN]: r[RUN_COLUMN] for r in counts_table(stats, {"pending": 5})}
    assert table["не начато (вернулись в очередь)"] == 5
    assert table["ждут отправки — всего в очереди"] == 5
    assert table["почему остановлено"].startswith(f"cannot connect to 127.0.0.1:{down.smtp_port}")


def test_sink_stores_eml_files(tmp_path: Path) -> None:
    import smtplib

    with (
        start_sink("127.0.0.1", 0, tmp_path / "mail") as sink,
        smtplib.SMTP("127.0.0.1", sink.port) as client,
    ):
        client.sendmail(
            "a@example.org", ["b@example.org"], b"Message-ID: <x@y>\r\nSubject: hi\r\n\r\nbody\r\n"
        )
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1 and b"Subject: hi" in files[0].read_bytes()
    assert not list((tmp_path / "mail").glob(".*.tmp"))


def _ctrl_c_as_in_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sink_command_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from kontrol.cli import main; main()",
            "mail",
            "sink",
            "--port",
            str(port),
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # as a terminal starts it: a suite run in the background of a shell has Ctrl-C
        # ignored, and a child keeps that (it would sleep through the SIGINT below)
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert f"listening on 127.0.0.1:{port}" in line
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "stopped after 0 message(s)" in out
