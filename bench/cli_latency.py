"""How long a person waits for the command line: each command's median over N runs, beside
``python -c "import click"`` measured in the same run (the floor any click program pays).

    python bench/cli_latency.py              # 10 runs each, interleaved
    python bench/cli_latency.py --runs 20 --rounds 3

The commands run as a person types them (the ``kontrol`` script of this venv) in a scratch
folder whose SQLite database has the seed imported (``kontrol import``, timed apart). Runs are
interleaved (one of each command per pass), so a busy moment of a shared machine hits them all
alike; the ratio to ``import click`` is what the target (≤ 5×) is about.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
KONTROL = str(BIN / "kontrol")
COMMANDS: dict[str, list[str]] = {
    "import click": [sys.executable, "-c", "import click"],
    "kontrol --help": [KONTROL, "--help"],
    "kontrol schedule": [KONTROL, "schedule", "Ежеквартально, 2018-2025 г.г."],
    "kontrol status": [KONTROL, "status"],
    "kontrol items": [KONTROL, "items"],
}


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
    took = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{' '.join(argv)}: exit {done.returncode}\n{done.stderr.decode()}")
    return took


def _round(runs: int, env: dict[str, str], cwd: Path) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            times[name].append(_run(argv, env, cwd))
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kontrol-cli-bench-") as tmp:
        cwd = Path(tmp)
        env = {**os.environ, "KONTROL_DATABASE_URL": f"sqlite:///{cwd / 'kontrol.db'}"}
        env.pop("KONTROL_DIRECTORY", None)
        took = _run([KONTROL, "example", str(cwd / "example")], env, cwd)
        seed = next((cwd / "example").glob("*.txt"))
        directory = cwd / "example" / "directory.yaml"
        took += _run([KONTROL, "import", str(seed), "--directory", str(directory)], env, cwd)
        env["KONTROL_DIRECTORY"] = str(directory)
        print(f"set-up (example + import of the seed): {took:.2f} s")
        print(f"{'command':<18} {'median':>8} {'min':>7} {'max':>7} {'× click':>8}")
        for r in range(args.rounds):
            times = _round(args.runs, env, cwd)
            floor = statistics.median(times["import click"])
            if args.rounds > 1:
                print(f"round {r + 1} of {args.rounds}, {args.runs} runs each")
            for name, ts in times.items():
                med = statistics.median(ts)
                print(
                    f"{name:<18} {med:>7.3f}s {min(ts):>6.3f}s {max(ts):>6.3f}s "
                    f"{med / floor:>7.1f}×"
                )


if __name__ == "__main__":
    main()
