"""CPU use of an idle Prefect server with every seed deployment registered.

Prefect's scheduler service re-reads every deployment's schedules on each loop; with many
RDATE/RRULE schedules that can cost. This starts a private server, imports the seed, registers
the 38 obligation deployments plus the sweep and monitoring, then samples the server's CPU time
(its whole process tree, from /proc) over ``--seconds`` of idleness.

    python bench/prefect_idle_cpu.py --seconds 600
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """utime+stime of ``pid`` and all its descendants."""
    total = 0.0
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(stat[1]), []).append(int(entry.name))
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            stat = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(stat[11]) + int(stat[12])) / TICKS
        except OSError:
            pass
        stack += children.get(p, [])
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--port", type=int, default=4311)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kontrol-idle-"))
    api = f"http://127.0.0.1:{args.port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(work / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "KONTROL_DATABASE_URL": f"sqlite:///{work / 'kontrol.db'}",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
        ],
        env=env,
        stdout=(work / "server.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for _ in range(240):
            try:
                if httpx.get(api + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        kontrol = [sys.executable, "-m", "kontrol"]
        seed = REPO / "examples/lenobl/000_e3bc991062043600.txt"
        directory = REPO / "examples/lenobl/directory.yaml"
        subprocess.run(
            [*kontrol, "import", str(seed), "--directory", str(directory)],
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [sys.executable, "-m", "prefect", "work-pool", "create", "bench", "--type", "process"],
            env=env,
            check=True,
            capture_output=True,
        )
        deployed = subprocess.run(
            [*kontrol, "deploy", "--work-pool", "bench", "--no-catch-up"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        print(deployed.stdout.strip())
        time.sleep(30)  # let the scheduler create the first runs
        start_cpu, start = tree_cpu_seconds(server.pid), time.monotonic()
        time.sleep(args.seconds)
        cpu, wall = tree_cpu_seconds(server.pid) - start_cpu, time.monotonic() - start
        print(f"idle {wall:.0f} s: server CPU {cpu:.1f} s = {100 * cpu / wall:.2f}% of one core")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
