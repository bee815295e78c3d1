"""How long a person waits for the command line: each command's median over N runs, beside
``python -c "import click"`` measured in the same run (the floor any click program pays).

    python bench/cli_latency.py              # 10 runs each, interleaved
    python bench/cli_latency.py --runs 20 --rounds 3
    python bench/cli_latency.py --also OTHER/.venv/bin/kontrol   # another checkout, same runs

The commands run as a person types them (the ``kontrol`` script of this venv) in a scratch
folder whose SQLite database has the seed imported and one past quarter issued (timed apart:
``status`` then has overdue assignments to show, as on a committee's database). Runs are
interleaved (one of each command per pass), so a busy moment of a shared machine hits them all
alike; the ratio to ``import click`` is what the target (≤ 5×) is about. Lines headed
``libs:`` load only the libraries the commands cannot do without: the floor under their ratios.
``libs: schedule`` is click, lark (the grammar's library) and msgspec with one struct checked
(the settings and the policy are checked by msgspec); ``libs: database`` the stdlib's sqlite3
and the same struct (``items`` and ``status`` read through the driver, ``kontrol.plain_db``);
``libs: ORM`` is click, SQLAlchemy's ORM and the struct: the floor these two had before.
``libs: holidays`` is what asking the ``holidays`` package about one Russian day costs: the
commands read the days from the user's cache instead (``kontrol.roadmap.holiday_years``), so
it is no floor, only the size of what that cache saves. An untimed pass runs every command once
first, with bytecode written and the user's caches (a folder of the run's own) filled as on a
machine where kontrol has run before.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KONTROL = str(Path(sys.executable).parent / "kontrol")
PHRASE = "Ежеквартально, 2018-2025 г.г."
KEY = secrets.token_urlsafe(48)
# the settings and the policy: one struct, converted from text as a setting is
MODEL = (
    "import msgspec\nclass M(msgspec.Struct):\n    x: int = 0\n"
    "msgspec.convert({'x': '1'}, M, strict=False)"
)
# name → (argv, the folder it runs in: its database is kontrol.db there)
COMMANDS: dict[str, tuple[list[str], str]] = {
    "import click": ([sys.executable, "-c", "import click"], ""),
    # what the commands cannot do without, imported alone: the floor under each ratio
    "libs: schedule": ([sys.executable, "-c", f"import click, lark\n{MODEL}"], ""),
    "libs: database": ([sys.executable, "-c", f"import click, sqlite3\n{MODEL}"], ""),
    "libs: ORM": ([sys.executable, "-c", f"import click, sqlalchemy.orm\n{MODEL}"], ""),
    # what the user's cache of the production calendar saves (no floor: see above)
    "libs: holidays": (
        [
            sys.executable,
            "-c",
            "import datetime, holidays\n"
            "holidays.country_holidays('RU').is_working_day(datetime.date(2021, 1, 8))",
        ],
        "",
    ),
}


def add_commands(kontrol: str, label: str) -> None:
    """The four commands of ``kontrol`` (a venv's script), named with ``label`` when given;
    each kontrol has a database of its own (two checkouts may want two schema revisions)."""
    tag = f" [{label}]" if label else ""
    COMMANDS[f"--help{tag}"] = ([kontrol, "--help"], label)
    COMMANDS[f"schedule{tag}"] = ([kontrol, "schedule", PHRASE], label)
    COMMANDS[f"status{tag}"] = ([kontrol, "status"], label)
    COMMANDS[f"items{tag}"] = ([kontrol, "items"], label)


def set_up(kontrol: str, folder: Path) -> float:
    """The example copied and the seed imported into ``folder``/kontrol.db, with one past
    quarter of item 2.3 issued, so ``status`` lists overdue assignments and counts their
    working days (the production calendar) as it does on a committee's database; the time
    it took."""
    folder.mkdir(exist_ok=True)
    env = _env(folder)
    took = _run([kontrol, "example", str(folder / "example")], env, folder)
    seed = folder / "example" / "000_e3bc991062043600.txt"
    directory = folder / "example" / "directory.yaml"
    took += _run([kontrol, "import", str(seed), "--directory", str(directory)], env, folder)
    # its mails wait in the outbox: no SMTP server listens on the port (a warning, exit 0)
    return took + _run([kontrol, "run", "2.3", "--period", "2025-Q3"], env, folder)


def _env(folder: Path) -> dict[str, str]:
    # bytecode is written as an installed package has it (pip compiles it at install time): a
    # machine that sets PYTHONDONTWRITEBYTECODE would compile kontrol's sources on every run
    # (and the caller's own KONTROL_* settings are not these runs')
    environ = {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONDONTWRITEBYTECODE" and not k.upper().startswith("KONTROL_")
    }
    return {
        **environ,
        "KONTROL_DATABASE_URL": f"sqlite:///{folder / 'kontrol.db'}",
        "KONTROL_DIRECTORY": str(folder / "example" / "directory.yaml"),
        "KONTROL_SECRET_KEY": KEY,  # issuing signs the mails' links
        "KONTROL_SMTP_PORT": "9",  # discard: nothing listens, the mails stay in the outbox
        # a cache of its own, filled by the untimed pass: what the user's holds (a calendar file
        # grown by older versions, another version's grammar) is not what is measured
        "XDG_CACHE_HOME": str(folder / "cache"),
    }


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
    took = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{' '.join(argv)}: exit {done.returncode}\n{done.stderr.decode()}")
    return took


def _round(runs: int, base: Path) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, (argv, label) in COMMANDS.items():
            times[name].append(_run(argv, _env(base / (label or "this")), base / (label or "this")))
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument(
        "--also",
        metavar="KONTROL",
        help="another kontrol script (e.g. main's .venv/bin/kontrol) measured in the same runs",
    )
    args = ap.parse_args()
    add_commands(KONTROL, "this" if args.also else "")  # folder "this" either way
    if args.also:
        add_commands(args.also, "also")
    with tempfile.TemporaryDirectory(prefix="kontrol-cli-bench-") as tmp:
        base = Path(tmp)
        took = set_up(KONTROL, base / "this")
        if args.also:
            took += set_up(args.also, base / "also")
        print(f"set-up (example, import of the seed, one quarter issued): {took:.2f} s")
        _round(1, base)  # untimed: every command has run once, its bytecode written
        print(f"{'command':<20} {'median':>8} {'min':>7} {'max':>7} {'× click':>8}")
        print("(kontrol commands; schedule phrase: " + PHRASE + ")")
        for r in range(args.rounds):
            times = _round(args.runs, base)
            floor = statistics.median(times["import click"])
            if args.rounds > 1:
                print(f"round {r + 1} of {args.rounds}, {args.runs} runs each")
            for name, ts in times.items():
                med = statistics.median(ts)
                print(
                    f"{name:<20} {med:>7.3f}s {min(ts):>6.3f}s {max(ts):>6.3f}s "
                    f"{med / floor:>7.1f}×"
                )


if __name__ == "__main__":
    main()
