"""A ministry-size portfolio against a real Prefect server: import, deploy, serve, idle, a year.

    python bench/portfolio.py --roadmaps 50 --items 40 --idle-seconds 40 --rounds 3

1. ``bench/portfolio_gen.py`` writes N decrees × M items (deterministic, ``--seed``).
2. Each is imported with its own ``kontrol import`` process (wall and CPU of each, and total).
3. A private Prefect server (scratch PREFECT_HOME, SQLite) and a process work pool. The first
   roadmap is deployed alone (``kontrol deploy --roadmap``): the server's idle CPU with ~40
   deployments is sampled ``--rounds`` times (its process tree, from /proc, as
   bench/prefect_idle_cpu.py).
4. ``kontrol deploy --work-pool`` registers every roadmap (~N×M deployments); idle CPU again;
   then ``--rounds`` more deploys with nothing changed (each deployment's fingerprint found on
   the server: nothing applied).
5. ``kontrol serve --no-catch-up``, ``--rounds`` starts: seconds to its «serving N
   deployments» line (every deployment registered), to Prefect's «Starting runner»
   (PREFECT_LOGGING_LEVEL=DEBUG), its RSS then and after ``--serve-seconds`` of polling; the
   server's CPU while it polls. The first start writes every deployment (``deploy`` had
   registered them for the work pool), the next find them unchanged.
6. The UI's list: seconds for one page of 200 deployments and for counting them (the API the
   UI calls).
7. Unless ``--no-year``: bench/portfolio_year.py on the bench's database (``--db``, SQLite in
   the work folder by default; a PostgreSQL URL of a scratch database works too).

Everything goes into a scratch folder (printed); figures are printed and written to
``figures.json`` there.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from portfolio_gen import DIRECTORY, generate
from prefect_idle_cpu import tree_cpu_seconds

KONTROL = [sys.executable, "-m", "kontrol"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall and CPU seconds (user+sys of the finished child) of one command; its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.stdout


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
        "total": round(sum(values), 1),
    }


def tree_rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants (serve's flow runs would be children)."""
    total = 0
    for p in [pid, *_descendants(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids = [int(x) for x in task.read_text().split()]
        except OSError:
            continue
        for k in kids:
            found += [k, *_descendants(k)]
    return found


def start_server(work: Path, env: dict[str, str], api: str) -> subprocess.Popen[bytes]:
    port = api.rsplit(":", 1)[1].split("/")[0]
    argv = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    server = subprocess.Popen(
        [*argv, "--port", port],
        env=env,
        stdout=(work / "server.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for _ in range(480):
        try:
            if httpx.get(api + "/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the Prefect server did not start: see server.log")


def idle_cpu(server: subprocess.Popen[bytes], seconds: int) -> float:
    """Percent of one core the server's process tree used over ``seconds`` of idleness."""
    time.sleep(20)  # let the scheduler create the first runs
    cpu0, t0 = tree_cpu_seconds(server.pid), time.monotonic()
    time.sleep(seconds)
    return round(100 * (tree_cpu_seconds(server.pid) - cpu0) / (time.monotonic() - t0), 2)


def count_deployments(api: str) -> int:
    return int(httpx.post(api + "/deployments/count", json={}, timeout=120).json())


def ui_list(api: str) -> dict[str, float]:
    """What the UI's deployments page asks: one page of 200, sorted by name, and the count."""
    t = time.monotonic()
    httpx.post(api + "/deployments/filter", json={"limit": 200, "sort": "NAME_ASC"}, timeout=300)
    page = time.monotonic() - t
    t = time.monotonic()
    count_deployments(api)
    return {"page_200_s": round(page, 2), "count_s": round(time.monotonic() - t, 2)}


def idle_rounds(server: subprocess.Popen[bytes], args: argparse.Namespace) -> list[float]:
    return [idle_cpu(server, args.idle_seconds) for _ in range(args.rounds)]


def serve_start(env: dict[str, str], work: Path, server: subprocess.Popen[bytes], seconds: int):  # type: ignore[no-untyped-def]
    """Start ``kontrol serve``; seconds to its line and to the runner's start; RSS; stop it."""
    log = work / "serve.log"
    serve_env = {**env, "PREFECT_LOGGING_LEVEL": "DEBUG"}
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [*KONTROL, "serve", "--no-catch-up"],
        env=serve_env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    figures: dict[str, object] = {}
    try:
        while proc.poll() is None and "runner_s" not in figures:
            text = log.read_text(errors="replace")
            if "serving_s" not in figures and (m := re.search(r"serving (\d+) deployments", text)):
                figures["serving_s"], figures["serving_n"] = (
                    round(time.monotonic() - t0, 1),
                    int(m.group(1)),
                )
            if "Starting runner" in text:
                figures["runner_s"] = round(time.monotonic() - t0, 1)
                figures["rss_at_start_mib"] = tree_rss_mib(proc.pid)
            time.sleep(0.5)
        if proc.poll() is not None:
            raise SystemExit(f"kontrol serve ended: see {log}")
        cpu0, s0 = tree_cpu_seconds(server.pid), tree_cpu_seconds(proc.pid)
        time.sleep(seconds)
        figures["rss_after_mib"] = tree_rss_mib(proc.pid)
        figures["server_cpu_pct_while_serving"] = round(
            100 * (tree_cpu_seconds(server.pid) - cpu0) / seconds, 2
        )
        figures["serve_cpu_pct_polling"] = round(
            100 * (tree_cpu_seconds(proc.pid) - s0) / seconds, 2
        )
    finally:
        stop(proc)
    return figures


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:  # type: ignore[type-arg]
    """Ask ``proc`` to end with ``sig``; killed if it has not within ``timeout``."""
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--roadmaps", type=int, default=50)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--idle-seconds", type=int, default=120)
    parser.add_argument("--serve-seconds", type=int, default=60)
    parser.add_argument("--port", type=int, default=4317)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--no-year", action="store_true")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of each repeatable figure (idle CPU, "
        "an unchanged redeploy, a restart of serve)",
    )
    parser.add_argument("--db", help="database URL (default: SQLite in the work folder)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kontrol-portfolio-"))
    print(f"work folder {work}", flush=True)
    api = f"http://127.0.0.1:{args.port}/api"
    db = work / "kontrol.db"
    env = {
        **os.environ,
        "PREFECT_HOME": str(work / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "KONTROL_DATABASE_URL": args.db or f"sqlite:///{db}",
        "KONTROL_SECRET_KEY": secrets.token_urlsafe(48),
    }
    figures: dict[str, object] = {"roadmaps": args.roadmaps, "items": args.items}

    def note(key: str, value: object) -> None:
        figures[key] = value
        print(f"{key}: {json.dumps(value, ensure_ascii=False)}", flush=True)
        (work / "figures.json").write_text(json.dumps(figures, indent=1, ensure_ascii=False))

    paths = generate(work / "decrees", args.roadmaps, args.items, args.seed)
    walls, cpus = [], []
    for path in paths:
        wall, cpu, _ = timed([*KONTROL, "import", str(path), "--directory", str(DIRECTORY)], env)
        walls.append(wall)
        cpus.append(cpu)
    note("import_wall_s", spread(walls))
    note("import_cpu_s", spread(cpus))
    server = start_server(work, env, api)
    try:
        prefect = [sys.executable, "-m", "prefect"]
        timed([*prefect, "work-pool", "create", "bench", "--type", "process"], env)
        deploy = [*KONTROL, "deploy", "--work-pool", "bench", "--no-catch-up"]
        first = re.match(r"(\d+-\w)", paths[0].read_text().split("№ ", 1)[1]).group(1)  # type: ignore[union-attr]
        wall, cpu, _ = timed([*deploy, "--roadmap", first], env)
        note("deploy_one", {"deployments": count_deployments(api), "wall_s": round(wall, 1)})
        note("idle_cpu_pct_one", spread(idle_rounds(server, args)))
        server_cpu = tree_cpu_seconds(server.pid)
        wall, cpu, out = timed(deploy, env)
        server_cpu = round(tree_cpu_seconds(server.pid) - server_cpu, 1)
        n = count_deployments(api)
        note(
            "deploy_all",
            {"deployments": n, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
             "server_cpu_s": server_cpu},
        )  # fmt: skip
        note("deploy_all_per_deployment_ms", round(1000 * wall / n, 1))
        note("idle_cpu_pct_all", spread(idle_rounds(server, args)))
        note("ui_list", ui_list(api))
        again = [timed(deploy, env)[:2] for _ in range(args.rounds)]
        note(
            "redeploy_unchanged",
            {"wall_s": spread([w for w, _ in again]), "cpu_s": spread([c for _, c in again])},
        )
        # the first serve writes every deployment (deploy registered them for a work pool,
        # serve for itself: the fingerprints differ); the next starts find them unchanged
        serves = [serve_start(env, work, server, args.serve_seconds) for _ in range(args.rounds)]
        note("serve_first", serves[0])
        if serves[1:]:
            note("serve_again", {k: spread([s[k] for s in serves[1:]]) for k in serves[0]})
    finally:
        stop(server)
    if not args.no_year:  # on the bench's own database: it is scratch
        _, _, out = timed(
            [sys.executable, str(Path(__file__).parent / "portfolio_year.py"), "--db",
             env["KONTROL_DATABASE_URL"], "--year", str(args.year)],
            env,
        )  # fmt: skip
        note("year", json.loads(out.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
