"""Mistakes on the command line are one line and exit 2, never a traceback: numbers beyond
what a year or a database id can be, options click itself refuses."""

from __future__ import annotations

import pytest

from kontrol.resources import EXAMPLE_DIRECTORY, SEED
from tests.cli_runner import run
from tests.db.test_settings_errors import one_line_error

HUGE = "99999999999999999999"  # beyond a 64-bit integer: OverflowError in the database driver


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("report", "--year", "0"), "'--year': 0 is not in the range 1<=x<=9999"),
        (("report", f"--year={HUGE}"), "is not in the range 1<=x<=9999"),
        (("done", HUGE), f"no assignment {HUGE}"),
        (("done", str(2**31)), f"no assignment {2**31}"),  # PostgreSQL's integer: DataError
        (("cancel", HUGE, "--reason", "x"), f"no assignment {HUGE}"),
        (("extend", HUGE, "--to", "2021-03-01", "--reason", "x"), f"no assignment {HUGE}"),
        (("mail", "retry", HUGE), "(see kontrol mail retry --help)"),
        (("report", "--bogus"), "No such option '--bogus'"),
        (("event", "emit", "x", "--at", "nan"), "«nan» is not a date-time"),
        (("import", "/nonexistent/decree.txt"), "does not exist. (see kontrol import --help)"),
        (("nosuch",), "No such command 'nosuch'. (see kontrol --help)"),
    ],
)
def test_a_mistake_is_one_line(
    args: tuple[str, ...], words: str, kontrol_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "init").code == 0
    one_line_error(run(capsys, *args), words)


@pytest.mark.parametrize("command", ["plan", "status"])
def test_an_unknown_item_is_one_line_not_an_empty_table(
    kontrol_env: str, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    assert run(capsys, "import", str(SEED), "--directory", str(EXAMPLE_DIRECTORY)).code == 0

    result = run(capsys, command, "--item", "99.9")

    one_line_error(result, "has no item 99.9")
    assert run(capsys, command, "--item", "1.3").code == 0
