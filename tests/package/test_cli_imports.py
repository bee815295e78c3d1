"""The command line loads what a command needs when it runs: ``kontrol --help`` and ``kontrol
schedule`` import no database, no Prefect, no workbook library (their speed is bench/'s:
bench/cli_latency.py; this holds the behaviour that makes it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from kontrol.models.outbox import OUTBOX_STATES
from tests.conftest import REPO

HEAVY = ("sqlalchemy", "alembic", "prefect", "openpyxl", "jinja2", "fastapi", "httpx", "docx")
# pydantic-settings is Prefect's: importing it cost every command about 0.1 s (issue 20)
NEVER = ("pydantic_settings",)
PROBE = """
import json, sys
from kontrol.cli.main import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
modules = sorted({m.split(".")[0] for m in sys.modules})
print(json.dumps({"modules": modules, "code": code}), file=sys.stderr)
"""


def loaded_by(tmp_path: Path, *argv: str, code: int = 0) -> set[str]:
    """The top-level packages a fresh interpreter has imported after ``kontrol ARGV``, which
    ended with exit code ``code``, with a cache folder of the test's own (``tmp_path``/cache:
    empty the first time)."""
    env = {
        **os.environ,
        "KONTROL_DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "KONTROL_SECRET_KEY": "a-key-of-the-tests-own-" + "x" * 40,
        "KONTROL_SMTP_PORT": "1",  # mail to no server: it waits in the outbox
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
        timeout=120,
    )
    found = json.loads(done.stderr.strip().splitlines()[-1])
    assert (found["code"] or 0) == code, (argv, found["code"], done.stderr)
    return set(found["modules"])


def test_help_lists_every_command_without_loading_their_libraries(tmp_path: Path) -> None:
    loaded = loaded_by(tmp_path, "--help")
    assert not loaded & {*HEAVY, *NEVER, "pydantic", "lark", "holidays", "rich"}


def test_schedule_opens_no_database_and_loads_no_prefect(tmp_path: Path) -> None:
    first, again = (loaded_by(tmp_path, "schedule", "Ежеквартально, 2018-2025 г.г.") for _ in "12")
    assert "lark" in first and "lark" in again  # it did parse
    # the due dates are working days: the package is asked the first time, then the user's
    # cache answers (kontrol.roadmap.holiday_years)
    assert "holidays" in first and "holidays" not in again
    # the settings and the policy are checked by msgspec: pydantic and its validators cost
    # every command 0.07 s; YAML is loaded only for a policy or calendar file
    assert "msgspec" in again
    assert not (first | again) & {*HEAVY, *NEVER, "pydantic", "yaml"}
    assert not (tmp_path / "k.db").exists()


SEED = REPO / "examples/lenobl/000_e3bc991062043600.txt"
DIRECTORY = REPO / "examples/lenobl/directory.yaml"


def test_a_command_that_counts_no_working_day_loads_no_calendar(tmp_path: Path) -> None:
    # its package imports every country's module to give Russia's: a command that builds the
    # rules but counts no working day (nothing overdue to show) does without it
    loaded_by(tmp_path, "import", str(SEED), "--directory", str(DIRECTORY))
    loaded = loaded_by(tmp_path, "status", "--json")
    assert "sqlite3" in loaded  # it did read the database
    assert not loaded & {"holidays", *NEVER}


def test_status_and_items_read_the_database_without_sqlalchemy(tmp_path: Path) -> None:
    """Through sqlite3 (``kontrol.plain_db``): SQLAlchemy alone took them 0.15 s to import,
    five times what ``import click`` does. A database without kontrol's schema goes the
    SQLAlchemy way, which says what is wrong."""
    assert "sqlalchemy" in loaded_by(tmp_path, "status", code=2)  # no database: SQLAlchemy's
    loaded_by(tmp_path, "import", str(SEED), "--directory", str(DIRECTORY))
    loaded_by(tmp_path, "run", "2.3", "--period", "2025-Q3")  # seven assignments, overdue
    for argv in (
        ("status",),
        ("status", "--all", "--json"),
        ("items",),
        ("status", "--as-of", "2025-01-01"),
    ):
        loaded = loaded_by(tmp_path, *argv)
        assert "sqlite3" in loaded and not loaded & {*HEAVY, *NEVER, "pydantic", "yaml"}, argv


def test_the_mail_list_states_are_the_outboxs() -> None:
    """cli/mail.py writes the states out (the models stay unloaded for --help)."""
    from kontrol.cli.mail import mail_group

    assert isinstance(mail_group, click.Group)
    listing = mail_group.commands["list"]
    status = next(p for p in listing.params if p.name == "status")
    assert isinstance(status.type, click.Choice)
    assert tuple(status.type.choices) == OUTBOX_STATES
