"""How long a new user waits for the demo's first assignment mail (issue 20, target 5).

Runs ``scripts/demo`` as the README says (on this venv, free ports, a scratch ``--var``),
stamps each line it prints with the seconds since the start, and stops it (SIGINT, as Ctrl-C)
once the first mail is in ``var/mail`` and the catch-up is done. ``--rounds`` times; the first
round of a fresh machine also pays Prefect's first server start (its database migrations).

    python bench/demo_first_mail.py --rounds 3

Prints one JSON line per round: the seconds to each step the demo names and to the first mail,
then one with the medians and ranges.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from portfolio import stop

REPO = Path(__file__).resolve().parent.parent
STEPS = {  # a step the demo prints → its name in the figures
    "prefect": re.compile(r"Prefect server: http"),
    "smtp": re.compile(r"SMTP sink: "),
    "imported": re.compile(r"imported|№ 1302-б"),
    "portal": re.compile(r"executor page: http"),
    "catch_up_done": re.compile(r"catch-up: .*✓"),
    "mail_delivered": re.compile(r"mail: \d+ delivered to .*✓"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one_round(timeout: float) -> dict[str, float]:
    var = Path(tempfile.mkdtemp(prefix="kontrol-demo-bench-"))
    ports = [str(free_port()) for _ in range(3)]
    argv = [str(REPO / "scripts" / "demo"), "--var", str(var)]
    argv += ["--prefect-port", ports[0], "--smtp-port", ports[1], "--portal-port", ports[2]]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KONTROL_", "PREFECT_"))}
    t0 = time.monotonic()
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=var
    )
    figures: dict[str, float] = {}

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            for name, pattern in STEPS.items():
                if name not in figures and pattern.search(line):
                    figures[name] = round(time.monotonic() - t0, 1)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while time.monotonic() - t0 < timeout:
            mail = var / "mail"
            if "first_mail" not in figures and mail.is_dir() and any(mail.rglob("*.eml")):
                figures["first_mail"] = round(time.monotonic() - t0, 1)
            if "first_mail" in figures and "mail_delivered" in figures:
                break
            if proc.poll() is not None:
                raise SystemExit(f"the demo ended ({proc.returncode}): see {var}")
            time.sleep(0.2)
    finally:
        stop(proc, signal.SIGINT, timeout=60)  # as Ctrl-C
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    rounds = []
    for _ in range(args.rounds):
        rounds.append(one_round(args.timeout))
        print(json.dumps(rounds[-1]), flush=True)
    summary = {
        name: {
            "median": statistics.median(r[name] for r in rounds if name in r),
            "min": min(r[name] for r in rounds if name in r),
            "max": max(r[name] for r in rounds if name in r),
        }
        for name in [*STEPS, "first_mail"]
        if any(name in r for r in rounds)
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
