"""``kontrol mail deliver | list | sink`` as a shell runs them; the Prefect task outside a flow."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kontrol.mail.sink import SinkHandle, start_sink
from kontrol.settings import Settings
from tasks.delivery import deliver_outbox
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
    assert pending.code == 0 and len(pending.json()) == 6  # one per kind
    sent = run(capsys, "mail", "deliver", "--json")
    assert sent.code == 0, sent.err
    assert sent.json() == {"sent": 6, "retried": 0, "failed": 0, "released": 0}
    assert len(recorder.received) == 6
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


def test_the_prefect_task_runs_outside_a_flow(
    world: World, settings: Settings, recorder: Recorder
) -> None:
    enqueue_every_kind(world, settings)
    local = settings.model_copy(
        update={"database_url": str(world.engine.url.render_as_string(hide_password=False))}
    )
    stats = deliver_outbox.fn(dt.datetime(2021, 1, 11, 9, tzinfo=dt.UTC), settings=local)
    assert stats.sent == 6 and len(recorder.received) == 6


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
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert f"listening on 127.0.0.1:{port}" in line
    proc.send_signal(subprocess.signal.SIGINT)  # type: ignore[attr-defined]
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "stopped after 0 message(s)" in out
