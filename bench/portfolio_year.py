"""A year of a whole portfolio, day by day: issue what the plans issue, sweep, complete.

The same loop as ``kontrol simulate`` (kontrol.simulate._run) but over every roadmap in the
database, on a copy of it: each day the occurrences whose issue date it is are issued (as the
deployments' flows would), the real sweep runs on every working day (reminders, overdue
notices, escalations rendered into the outbox), and 80% of the assignments are marked done on a
random day around their term. Prints one JSON line of figures.

    python bench/portfolio_year.py --db sqlite:////tmp/portfolio.db --year 2026
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import secrets
import statistics
import time
from collections import defaultdict

from sqlalchemy import func, select

from kontrol.assignments import mark_done
from kontrol.config import load_rules
from kontrol.issuing import issue_occurrence, obligation_occurrences
from kontrol.lookup import all_roadmaps, obligations_of
from kontrol.mail.mailer import Mailer
from kontrol.models import Assignment, Obligation, OutboxMessage
from kontrol.models.db import make_engine, session_factory
from kontrol.settings import Settings
from kontrol.simulate import _completion_day, _local
from kontrol.sweep import run_sweep, transactions

ACTOR = "bench"


def year_plan(factory, rules, start, end):  # type: ignore[no-untyped-def]
    """{day: [(obligation id, occurrence)]} of every roadmap's scheduled occurrences."""
    plan = defaultdict(list)
    with factory() as session:
        for roadmap in all_roadmaps(session):
            for ob in obligations_of(session, roadmap):
                if ob.kind == "on_demand":
                    continue
                for occ in obligation_occurrences(ob, rules):
                    if occ.state == "scheduled" and start <= occ.issue_on <= end:
                        plan[occ.issue_on].append((ob.id, occ))
    return plan


def run_year(url: str, year: int, completion: float = 0.8, seed: int = 0) -> dict[str, object]:
    settings = Settings(database_url=url, secret_key=secrets.token_urlsafe(48))
    rules = load_rules(settings)
    mailer = Mailer.of(settings)
    engine = make_engine(url)
    factory = session_factory(engine)
    rng = random.Random(seed)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    began = time.perf_counter()
    plan = year_plan(factory, rules, start, end)
    planned = time.perf_counter() - began
    issue_s, sweep_s, done_s, sweeps, actions = 0.0, [], 0.0, 0, 0
    completes: dict[dt.date, list[int]] = defaultdict(list)
    day = start
    while day <= end:
        now = _local(day, rules)
        t = time.perf_counter()
        if plan.get(day):
            with factory() as session, session.begin():
                for ob_id, occ in plan[day]:
                    ob = session.get(Obligation, ob_id)
                    result = issue_occurrence(
                        session, ob, occ, rules=rules, now=now, actor=ACTOR, mailer=mailer
                    )
                    for a in result.assignments:
                        if a.id in result.created:
                            completes[_completion_day(a, rng, completion, rules)].append(a.id)
        issue_s += time.perf_counter() - t
        if rules.calendar.is_working_day(day):
            t = time.perf_counter()
            report = run_sweep(
                transactions(factory), as_of=day, rules=rules, mailer=mailer, now=now, actor=ACTOR
            )
            sweep_s.append(time.perf_counter() - t)
            sweeps += 1
            actions += len(report.actions)
        t = time.perf_counter()
        if completes.get(day):
            later = _local(day, rules, hour=15)
            with factory() as session, session.begin():
                for aid in completes.pop(day):
                    mark_done(session, aid, note="Отчёт (bench)", now=later, actor=ACTOR)
        done_s += time.perf_counter() - t
        day += dt.timedelta(days=1)
    with factory() as session:
        assignments = session.scalar(select(func.count()).select_from(Assignment))
        mails = session.scalar(select(func.count()).select_from(OutboxMessage))
    engine.dispose()
    return {
        "year": year,
        "occurrences": sum(len(v) for v in plan.values()),
        "assignments": assignments,
        "outbox": mails,
        "sweeps": sweeps,
        "sweep_actions": actions,
        "plan_s": round(planned, 1),
        "issue_s": round(issue_s, 1),
        "sweep_total_s": round(sum(sweep_s), 1),
        "sweep_median_s": round(statistics.median(sweep_s), 3),
        "sweep_max_s": round(max(sweep_s), 3),
        "done_s": round(done_s, 1),
        "total_s": round(time.perf_counter() - began, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, help="database URL (a copy: it is written)")
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args()
    print(json.dumps(run_year(args.db, args.year)))


if __name__ == "__main__":
    main()
