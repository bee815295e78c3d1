"""The README's tour, run as written on a real demo: every command ends with exit code 0 and
prints what the README says it prints; every other concrete command the README shows is one
of the tour's.

The tour runs in a folder laid out as a checkout after ``scripts/demo``: ``.venv`` (the running
interpreter's environment), ``examples`` and ``var`` (the demo's, on free ports).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.demo.processes import demo_argv, demo_env, free_ports, kill_all, wait_for

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
TOUR = "## A tour of the running demo"
# the one section about other machines (a Prefect worker pool, a decree of one's own)
ELSEWHERE = "## Distributed set-up"


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def tour_lines(text: str) -> list[tuple[str, str]]:
    """(command, what it prints) for each line of the tour's shell block."""
    block = re.search(r"```sh\n(.*?)```", _section(text, TOUR), re.S)
    assert block is not None, "the tour has no ```sh block"
    lines = []
    for line in block.group(1).splitlines():
        command, _, expected = line.partition("  # ")
        if command.strip():
            lines.append((command.strip(), expected.strip()))
    return lines


METAVAR = re.compile(r"\[|\||…|<|\b[A-Z]{1,7}S?\b")


def shown_examples(text: str) -> set[str]:
    """The commands the README shows with a value of their own (``kontrol report --all`` is a
    name of an option; ``kontrol plan --chart var/plan.svg`` is an example to run), outside the
    tour and the distributed set-up; templates (``FILE``, ``[--json]``) are not examples."""
    for heading in (TOUR, ELSEWHERE):
        text = text.replace(_section(text, heading), "")
    found = set()
    for spans in re.findall(r"`((?:\.venv/bin/)?kontrol [^`]+)`", text):
        span = " ".join(spans.split())  # a span may go over a line break
        if METAVAR.search(span):
            continue
        words = span.removeprefix(".venv/bin/").split()[1:]
        while words and re.fullmatch(r"[a-z]+", words[0]):
            words = words[1:]  # the command's name: kontrol mail list …
        if any(not w.startswith("--") for w in words):
            found.add(span.removeprefix(".venv/bin/"))
    return found


def test_the_readme_shows_no_example_outside_the_tour() -> None:
    text = README.read_text(encoding="utf-8")
    tour = {c.removeprefix(".venv/bin/") for c, _ in tour_lines(text)}
    assert shown_examples(text) - tour == set()
    # the demo's banner names the tour's first steps
    assert ("source var/env.sh", "") in tour_lines(text)
    assert ".venv/bin/kontrol sweep --as-of 2027-01-20 --flow" in {c for c, _ in tour_lines(text)}


def test_every_command_of_the_tour_runs_on_the_demo_as_shown(tmp_path: Path) -> None:
    lines = tour_lines(README.read_text(encoding="utf-8"))
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    (checkout / "examples").symlink_to(REPO / "examples", target_is_directory=True)
    var = checkout / "var"
    out = tmp_path / "demo.out"
    demo = subprocess.Popen(
        demo_argv(var, free_ports(3)),
        env=demo_env(var),
        cwd=checkout,
        stdout=out.open("wb"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(
            "the end of the mail", lambda: "delivered to var/mail ✓" in out.read_text(), demo, 600
        )
        banner = out.read_text()
        assert "    source var/env.sh\n" in banner
        assert "    .venv/bin/kontrol sweep --as-of 2027-01-20 --flow\n" in banner

        shell = {k: v for k, v in demo_env(var).items() if k != "KONTROL_DATABASE_URL"}
        shell["COLUMNS"] = "200"  # a wide terminal: table cells are not wrapped
        failures = []
        for command, expected in lines:
            if command.startswith("source "):
                continue
            done = subprocess.run(
                ["bash", "-c", f"source var/env.sh && {command}"],
                cwd=checkout,
                env=shell,
                capture_output=True,
                text=True,
                timeout=300,
            )
            said = " ".join((done.stdout + done.stderr).split())
            if done.returncode != 0 or expected not in said:
                failures.append(
                    f"{command}\n  exit {done.returncode}, wanted «{expected}»:\n{said[-2000:]}"
                )
        assert not failures, "\n".join(failures)
    finally:
        if demo.poll() is None:
            demo.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                demo.wait(timeout=120)
        kill_all(demo, var)
    assert os.path.exists(var / "report.xlsx") and os.path.exists(var / "plan.svg")
