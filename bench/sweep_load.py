"""The sweep's read of the assignments it acts on, joined against apart, by how many it reads.

``kontrol.sweep_queries.load`` reads each assignment with the rows it points to (obligation,
item, roadmap, body, the body it escalates to, and for a mail the item's executors). Joined,
that is one statement whose rows repeat the item's and the body's columns for every assignment;
apart, one statement for the assignments and one for each kind of row they point to. The sweep
joins up to ``JOINED_UP_TO`` assignments: this measures both ways at several sizes on a database
of 100,000 assignments (``bench/sweep.py``'s), in one process, the two ways taking turns.

    python bench/sweep_load.py                                    # SQLite
    python bench/sweep_load.py --db postgresql --pg-url postgresql+psycopg://…/db
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sweep as bench  # bench/sweep.py: the same database

from kontrol import sweep_queries
from kontrol.models.db import make_engine, session_factory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default=os.environ.get("KONTROL_TEST_POSTGRES_URL"))
    parser.add_argument("--sizes", default="10,25,50,100,200")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, bench.fresh(args.db, args.pg_url, Path(tmp)) as url:
        env = {**os.environ, "KONTROL_DATABASE_URL": url}
        subprocess.run(
            [bench.KONTROL, "import", str(bench.SEED), "--directory", str(bench.DIRECTORY)],
            env=env, check=True, capture_output=True, cwd=tmp,
        )  # fmt: skip
        bench.bulk_insert(url, 100_000, None)
        engine = make_engine(url)
        sessions = session_factory(engine)
        with sessions() as session:
            ids = sweep_queries.candidate_ids(session, bench.AS_OF, bench.RULES)
        print(f"{args.db}: 100,000 assignments, {len(ids)} candidates; ms per load, median")
        print(f"{'assignments':>11}  {'joined':>8}  {'apart':>8}  joined/apart")
        for size in (int(s) for s in args.sizes.split(",")):
            took: dict[bool, list[float]] = {True: [], False: []}
            for r in range(args.rounds):
                chunk = ids[(r * size) % (len(ids) - size) :][:size]
                for joined in (True, False):
                    sweep_queries.JOINED_UP_TO = size if joined else 0
                    with sessions() as session:
                        t0 = time.perf_counter()
                        loaded = sweep_queries.load(session, chunk, mailed=True)
                        took[joined].append(time.perf_counter() - t0)
                    assert len(loaded) == size
            j, a = (1000 * statistics.median(took[k]) for k in (True, False))
            print(f"{size:>11}  {j:8.2f}  {a:8.2f}  {j / a:.2f}", flush=True)
        engine.dispose()


if __name__ == "__main__":
    main()
