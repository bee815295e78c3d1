"""How one sweep's time grows with the history: 10k / 100k / 1M assignments, ~1% open and due.

Builds each database fresh (the seed imported, then assignments bulk-inserted: executemany on
SQLite, COPY on PostgreSQL), runs ONE sweep as of a fixed working day with real rendering into
the outbox, and prints a table and the ratio largest/smallest. About 1% of the rows are open and
due (reminders, notices, escalations to take), 1% open but due far ahead (the index must skip
them), the rest done history.

    python bench/sweep.py                                   # SQLite, all sizes
    python bench/sweep.py --db sqlite,postgresql --pg-url postgresql+psycopg://…/db
    python bench/sweep.py --sizes 10000,100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kontrol.config import Rules
from kontrol.mail.mailer import Mailer
from kontrol.models import Body, Obligation
from kontrol.models.db import make_engine, scratch_postgres, session_factory
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.workcalendar import WorkCalendar
from kontrol.settings import Settings
from kontrol.sweep import run_sweep, transactions

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "examples" / "lenobl" / "000_e3bc991062043600.txt"
DIRECTORY = REPO / "examples" / "lenobl" / "directory.yaml"
# the venv's own command, next to its interpreter: the bench runs without the venv activated
KONTROL = str(Path(sys.executable).parent / "kontrol")
AS_OF = dt.date(2025, 3, 12)  # a Wednesday, a working day
RULES = Rules(Policy(), WorkCalendar())
COLUMNS = (
    "obligation_id, occurrence_key, body_id, role, period_start, period_end, issue_on, "
    "original_due_on, due_on, status, issued_at, issued_by, completed_at"
)


def rows(n: int, obligations: list[int], bodies: list[str], open_due: int | None):  # type: ignore[no-untyped-def]
    """Open and due around AS_OF (1%, or ``open_due`` rows), 1% open and due far ahead, the
    rest done history."""
    rnd = random.Random(n)
    cal = RULES.calendar
    near = [cal.add_working_days(AS_OF, k) for k in range(-12, 6)]
    every = max(n // open_due, 2) if open_due else 100
    for i in range(n):
        kind = i % 100
        if i % every == 0:
            due = rnd.choice(near)
            status = "overdue" if due < AS_OF else "issued"
        elif kind == 1:
            due = AS_OF + dt.timedelta(days=rnd.randint(30, 900))
            status = "issued"
        else:
            due = AS_OF - dt.timedelta(days=rnd.randint(20, 1800))
            status = "done"
        issue = due - dt.timedelta(days=60)
        done_at = dt.datetime.combine(due, dt.time(8)) if status == "done" else None
        yield (
            rnd.choice(obligations), f"b{i}", rnd.choice(bodies), "lead", issue, due, issue,
            due, due, status, dt.datetime.combine(issue, dt.time(6)), "bench", done_at,
        )  # fmt: skip


def bulk_insert(url: str, n: int, open_due: int | None) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        obligations = list(conn.scalars(select(Obligation.id)))
        bodies = list(conn.scalars(select(Body.id).where(Body.kind != "group")))
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if url.startswith("sqlite"):
            marks = ",".join("?" * 13)

            def fmt(v):  # type: ignore[no-untyped-def]
                if isinstance(v, dt.datetime):
                    return v.strftime("%Y-%m-%d %H:%M:%S.000000")
                return v.isoformat() if isinstance(v, dt.date) else v

            batch: list[tuple] = []  # type: ignore[type-arg]
            for r in rows(n, obligations, bodies, open_due):
                batch.append(tuple(fmt(v) for v in r))
                if len(batch) == 50_000:
                    cur.executemany(f"INSERT INTO assignments ({COLUMNS}) VALUES ({marks})", batch)
                    batch.clear()
            if batch:
                cur.executemany(f"INSERT INTO assignments ({COLUMNS}) VALUES ({marks})", batch)
            cur.execute("ANALYZE")
        else:
            with cur.copy(f"COPY assignments ({COLUMNS}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for r in rows(n, obligations, bodies, open_due):
                    copy.write_row(r)
            raw.commit()
            cur.execute("ANALYZE assignments")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()


@contextmanager
def fresh(db: str, pg_url: str | None, tmp: Path) -> Iterator[str]:
    if db == "sqlite":
        path = tmp / f"bench-{uuid.uuid4().hex[:8]}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            path.unlink(missing_ok=True)
        return
    assert pg_url, "--pg-url is needed for PostgreSQL"
    with scratch_postgres(pg_url, "kontrol_bench") as url:
        yield url


def one(db: str, n: int, pg_url: str | None, tmp: Path, open_due: int | None) -> dict[str, object]:
    with fresh(db, pg_url, tmp) as url:
        env = {**os.environ, "KONTROL_DATABASE_URL": url}
        subprocess.run(
            [KONTROL, "import", str(SEED), "--directory", str(DIRECTORY)],
            env=env, check=True, capture_output=True, cwd=tmp,
        )  # fmt: skip
        t0 = time.perf_counter()
        bulk_insert(url, n, open_due)
        load_s = time.perf_counter() - t0
        engine = make_engine(url)
        now = dt.datetime.combine(AS_OF, dt.time(6), tzinfo=dt.UTC)
        mailer = Mailer.of(Settings(database_url=url, secret_key=secrets.token_urlsafe(48)))
        t0 = time.perf_counter()
        report = run_sweep(
            transactions(session_factory(engine)),
            as_of=AS_OF, rules=RULES, mailer=mailer, now=now, actor="bench",
        )  # fmt: skip
        sweep_s = time.perf_counter() - t0
        engine.dispose()
        return {
            "db": db, "rows": n, "load_s": load_s, "candidates": report.candidates,
            "actions": len(report.actions), "sweep_s": sweep_s,
            "ms_per_candidate": 1000 * sweep_s / max(report.candidates, 1),
            "ms_per_action": 1000 * sweep_s / max(len(report.actions), 1),
        }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--open", type=int, help="open-and-due rows at every size (not 1%%)")
    parser.add_argument("--pg-url", default=os.environ.get("KONTROL_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        # not counted: the first sweep of a process imports and compiles the mail templates
        one(args.db.split(",")[0], 1000, args.pg_url, Path(tmp), None)
        for db in args.db.split(","):
            for n in sizes:
                r = one(db, n, args.pg_url, Path(tmp), args.open)
                results.append(r)
                print(
                    f"{r['db']:<10} {r['rows']:>9,} rows  load {r['load_s']:6.1f}s  "
                    f"candidates {r['candidates']:>6,}  actions {r['actions']:>6,}  "
                    f"sweep {r['sweep_s']:6.2f}s  {r['ms_per_candidate']:.2f} ms/candidate  "
                    f"{r['ms_per_action']:.2f} ms/action",
                    flush=True,
                )
    print()
    for db in args.db.split(","):
        mine = [r for r in results if r["db"] == db]
        big, small = mine[-1], mine[0]
        print(
            f"{db}: {big['rows']:,} / {small['rows']:,} rows → sweep time ×"
            f"{big['sweep_s'] / small['sweep_s']:.1f} (candidates ×"  # type: ignore[operator]
            f"{big['candidates'] / small['candidates']:.0f}), time per candidate ×"  # type: ignore[operator]
            f"{big['ms_per_candidate'] / small['ms_per_candidate']:.2f}"  # type: ignore[operator]
        )


if __name__ == "__main__":
    main()
