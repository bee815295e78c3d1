"""The Prefect server's idle CPU with a portfolio registered, under server settings to compare.

Start a server on a PREFECT_HOME that already holds the deployments (the work folder
``bench/portfolio.py`` printed: ``WORK/prefect``), once per setting, and sample its idle CPU
``--rounds`` times. The default setting first, then each ``--try KEY=VALUE[,KEY=VALUE]``:

    python bench/prefect_idle_settings.py --home /tmp/kontrol-portfolio-XXXX/prefect \\
        --try PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS=300

Prints one JSON line per setting: the percent of one core (median, min, max of the rounds).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from portfolio import count_deployments, idle_cpu, spread, start_server, stop


def measure(home: str, port: int, extra: dict[str, str], seconds: int, rounds: int) -> dict:  # type: ignore[type-arg]
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": home,
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        **extra,
    }
    server = start_server(Path(tempfile.mkdtemp(prefix="kontrol-idle-")), env, api)
    try:
        n = count_deployments(api)
        samples = [idle_cpu(server, seconds) for _ in range(rounds)]
    finally:
        stop(server, timeout=60)
    return {"setting": extra or "default", "deployments": n, "idle_cpu_pct": spread(samples)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", required=True, help="a PREFECT_HOME with deployments")
    parser.add_argument("--try", dest="tries", action="append", default=[])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=4318)
    args = parser.parse_args()
    settings: list[dict[str, str]] = [{}]
    for text in args.tries:
        settings.append(dict(pair.split("=", 1) for pair in text.split(",")))
    for extra in settings:
        figures = measure(args.home, args.port, extra, args.seconds, args.rounds)
        print(json.dumps(figures, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
