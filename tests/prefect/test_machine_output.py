"""Machine output is machine output: with ``--json`` stdout is one JSON document and nothing
else, and no command shows a person a Python repr (``{'sent': 0}``, ``[('a', 1)]``, ``None``).

Every command that has ``--json`` is found in the click group, so a new one cannot be left out:
the table below must name it with the arguments it runs with on the seeded database. Prefect is
real (``sweep --flow``, ``event emit`` forward to it), and so is the SMTP server.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from kontrol.cli import cli
from kontrol.mail.sink import start_sink
from tests.cli_runner import Result, run
from tests.conftest import REPO

pytestmark = pytest.mark.usefixtures("prefect_server")

# every command with --json → its arguments here (without --json); "{tmp}" is a scratch folder
JSON_COMMANDS: dict[str, tuple[str, ...]] = {
    "import": ("{seed}", "--directory", "{directory}"),
    "items": (),
    "roadmaps": (),
    "amendments": (),
    "bodies check": ("--directory", "{directory}"),
    "schedule": ("Ежеквартально, 2018-2025 г.г.", "--adopted", "2020-07-27"),
    "plan": ("--from", "2021-01-01", "--to", "2021-03-31"),
    "deployments build": ("--output", "{tmp}/prefect.yaml"),
    "run": ("1.3", "--period", "2021-01"),
    "sweep": ("--as-of", "2021-02-15"),
    "status": (),
    "event emit": ("contract_signed", "--at", "2021-12-28T11:00:00+03:00", "--ref", "ГК-1"),
    "event list": (),
    "event forward": (),
    "mail deliver": (),
    "mail check": (),
    "mail retry": ("--all-failed",),
    "mail list": (),
    "report": ("--year", "2021"),
    "simulate": ("--from", "2021-01-11", "--to", "2021-01-22"),
    # last: a day ahead, so the decree stays in force for the runs after it
    "retire": ("1302-б", "--reason", "распоряжение № 1 (пример)", "--on", "2030-06-03"),
}
# --json commands that need a server this test does not start (their own tests do)
NEEDS_A_SERVER = {"mail fetch": "an IMAP mailbox: tests/replies"}
# more runs of the same commands, other paths through them
MORE_JSON_RUNS: list[tuple[str, ...]] = [
    ("sweep", "--as-of", "2021-02-15", "--flow"),
    ("sweep", "--as-of", "2021-02-16", "--dry-run"),
    ("status", "--overdue", "--as-of", "2021-02-16"),
    ("plan", "--item", "1.3"),
    ("import", str(REPO / "tests" / "db" / "data" / "amendment_1302b_points.txt")),
    ("import", str(REPO / "tests" / "db" / "data" / "amendment_1302b_points.txt"), "--apply"),
    ("amendments",),
]
# what only a Python repr prints: a dict or list of strings or tuples, None on its own, an object
REPR = re.compile(
    r"\{'|\['|\('|(?<![\w-])None(?![\w-])|<[\w.]+ object at 0x|\b(?:datetime\.)?date(?:time)?\("
    r"|PosixPath\(|Decimal\("
)


def json_commands(group: click.Group = cli, prefix: str = "") -> Iterator[str]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            yield from json_commands(command, path + " ")
        elif any("--json" in option.opts for option in command.params):
            yield path


def kontrol(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """``run``, with Prefect's console log handler writing where this test captures stderr:
    it keeps the stream it was made with (an earlier test's capture, closed by now)."""
    from prefect.logging.handlers import PrefectConsoleHandler

    for name in ["", *logging.root.manager.loggerDict]:
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, PrefectConsoleHandler):
                handler.stream = sys.stderr  # not setStream: it flushes the closed one
                handler.console.file = sys.stderr
    return run(capsys, *args)


@pytest.fixture
def world(
    seeded: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    seed_path: Path,
    directory_path: Path,
) -> Iterator[dict[str, str]]:
    """The seeded database, a real SMTP sink, the event catalogue, and the placeholders."""
    monkeypatch.setenv("KONTROL_EVENTS", str(REPO / "examples" / "lenobl" / "events.yaml"))
    monkeypatch.setenv("KONTROL_DIRECTORY", str(directory_path))
    with start_sink() as smtp:
        monkeypatch.setenv("KONTROL_SMTP_PORT", str(smtp.port))
        yield {"seed": str(seed_path), "directory": str(directory_path), "tmp": str(tmp_path)}


def filled(args: tuple[str, ...], values: dict[str, str]) -> list[str]:
    return [arg.format(**values) for arg in args]


def no_repr(result: Result, what: str) -> None:
    for stream, text in (("stdout", result.out), ("stderr", result.err)):
        found = REPR.search(text)
        if found is not None:
            context = text[max(0, found.start() - 60) : found.end() + 60]
            raise AssertionError(f"{what}: a Python repr on {stream}: …{context}…")


def test_every_json_command_prints_one_json_document_and_nothing_else(
    world: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    listed = set(JSON_COMMANDS) | set(NEEDS_A_SERVER)
    assert set(json_commands()) == listed, "name every --json command in the table"
    runs = [(*name.split(), *filled(args, world)) for name, args in JSON_COMMANDS.items()]
    for args in [*runs, *MORE_JSON_RUNS]:
        result = kontrol(capsys, *args, "--json")
        assert result.code == 0, (args, result.err)
        try:
            json.loads(result.out)  # one document: any text before or after it fails here
        except json.JSONDecodeError as exc:
            command = " ".join(args)
            raise AssertionError(
                f"{command} --json: stdout is not one JSON document ({exc}): {result.out[:300]}"
            ) from None
        assert "Traceback" not in result.err, args
        no_repr(result, " ".join(args))


def test_no_command_shows_a_person_a_python_repr(
    world: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    runs: list[tuple[str, ...]] = [
        tuple([*name.split(), *filled(args, world)]) for name, args in JSON_COMMANDS.items()
    ]
    runs += [
        ("sweep", "--as-of", "2021-02-15", "--flow"),
        ("sweep", "--as-of", "2021-02-16", "--dry-run"),
        ("run", "1.3", "--period", "2022-01"),
        ("status", "--all"),
        ("done", "1", "--note", "готово"),
        ("extend", "2", "--to", f"{dt.date.today().year + 1}-03-01", "--reason", "перенос"),
        ("cancel", "2", "--reason", "отменено"),
        ("mail", "list", "--status", "sent"),
        ("plan", "--ics", f"{world['tmp']}/plan.ics"),
    ]
    for args in runs:
        result = kontrol(capsys, *args)
        assert result.code == 0, (args, result.err)
        assert "Traceback" not in result.err, args
        no_repr(result, " ".join(args))


def test_run_json_with_the_mail_server_down_keeps_stdout_json(
    seeded: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The assignments are issued (exit 0); the mail waits, and stderr says why in words."""
    with start_sink() as smtp:
        port = smtp.port  # nobody listens there once the sink has stopped
    monkeypatch.setenv("KONTROL_SMTP_PORT", str(port))
    result = kontrol(capsys, "run", "1.3", "--period", "2021-01", "--json")
    assert result.code == 0, result.err
    assert result.json()["created"] == 1
    assert "mail: sent 0, retry later 0, failed 0, not attempted 1" in result.err
    assert f"mail not sent now: cannot connect to 127.0.0.1:{port}: Connection refused" in (
        " ".join(result.err.split())
    )
    no_repr(result, "run --json, mail server down")
