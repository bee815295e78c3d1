"""``kontrol simulate``: years of the machinery run on a scratch database in seconds.

A temporary SQLite file gets the decree (the seed with the example directory by default) and
an as-of date that moves one day at a time. Each day, in this order:

1. issue: every occurrence whose issue date is today, through ``kontrol.issuing.
   issue_occurrence`` — the code path of the cycle flow — with its «issued» mail;
2. sweep as of today (working days only): ``kontrol.sweep.run_sweep`` by default; the step is
   a pluggable callable (``SweepStep``) so the simulation also runs with another ladder;
3. completions: each assignment, when issued, draws its completion day from a seeded RNG — on
   a random working day between issue and due with probability ``completion``, else 1–25
   working days late — and is marked done that day (``kontrol.assignments.mark_done``).

The sweep runs on the days it can act on: every working day on which a rung of some
assignment's ladder falls (``kontrol.ladder.ladder``), its issue day and the working day after
it, the working day after its due date, the first working day of each week (the weekly
summary) and the day a decree becomes void. On any other day it would find nothing to do, so
the results are those of a sweep every working day (``every_day=True`` runs that, and a test
holds the two equal); a custom ``sweep`` step runs every working day.

Delivery: nothing is sent over SMTP; the outbox rows are counted by kind and month (what the
deliverer would have sent). Each mail is composed whole (subject, text, HTML, calendar file),
but its message's bytes are not built (``unsent_mailer``). Occurrences issued before ``start``
are not caught up: the issued totals equal the plan's (occurrences with issue date in range ×
recipients).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import secrets
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from kontrol.assignments import mark_done
from kontrol.config import Rules
from kontrol.errors import KontrolError
from kontrol.issuing import issue_occurrence, obligation_occurrences, recipients
from kontrol.ladder import first_working_day_of_week, ladder
from kontrol.lookup import obligations_of, roadmap_by_number
from kontrol.mail.mailer import Mailer
from kontrol.models import Assignment, Body, Item, LadderStep, Obligation, OutboxMessage
from kontrol.models.db import session_factory
from kontrol.roadmap.datewindow import DateOutOfRange, whole_years
from kontrol.roadmap.occurrences import Occurrence
from kontrol.scratch import scratch_engine, scratch_import
from kontrol.settings import Settings
from kontrol.windows import roadmap_window

ACTOR = "simulation"
ESCALATION_STEPS = ("curator", "controller", "escalate_curator", "escalate_controller")
SweepStep = Callable[[sessionmaker[Session], dt.date, dt.datetime, Rules, Settings], None]


def kontrol_sweep(
    factory: sessionmaker[Session],
    as_of: dt.date,
    now: dt.datetime,
    rules: Rules,
    settings: Settings,
) -> None:
    """The real daily sweep (``kontrol.sweep``), as the sweep flow calls it."""
    from kontrol.sweep import run_sweep, transactions

    run_sweep(
        transactions(factory),
        as_of=as_of,
        rules=rules,
        mailer=unsent_mailer(settings),
        now=now,
        actor=ACTOR,
    )


def unsent_mailer(settings: Settings) -> Mailer:
    """The real mailer, composing every mail whole (words, links, calendar file), but writing
    the scratch outbox without the messages' bytes: nothing sends them, and building them was
    a tenth of a ten-year simulation (``Postmark.build``)."""
    mailer = Mailer.of(settings)
    return replace(mailer, postmark=replace(mailer.postmark, build=False))


@dataclass
class Month:
    issued: int = 0
    done_on_time: int = 0
    done_late: int = 0
    escalations: int = 0
    mails: Counter[str] = field(default_factory=Counter)


@dataclass
class Simulation:
    start: dt.date
    end: dt.date
    completion: float
    seed: int
    predicted: int  # the plan: scheduled occurrences issued in range × recipients
    months: dict[str, Month]
    seconds: float
    delivery: str = "outbox rows counted by kind (no SMTP)"

    @property
    def issued(self) -> int:
        return sum(m.issued for m in self.months.values())

    def totals(self) -> Month:
        t = Month()
        for m in self.months.values():
            t.issued += m.issued
            t.done_on_time += m.done_on_time
            t.done_late += m.done_late
            t.escalations += m.escalations
            t.mails.update(m.mails)
        return t

    def to_json(self) -> dict[str, Any]:
        def one(m: Month) -> dict[str, Any]:
            return {
                "issued": m.issued,
                "done_on_time": m.done_on_time,
                "done_late": m.done_late,
                "escalations": m.escalations,
                "mails": dict(sorted(m.mails.items())),
            }

        return {
            "start": self.start,
            "end": self.end,
            "completion": self.completion,
            "seed": self.seed,
            "predicted_issued": self.predicted,
            "issued": self.issued,
            "seconds": round(self.seconds, 1),
            "delivery": self.delivery,
            "months": {k: one(m) for k, m in sorted(self.months.items())},
            "totals": one(self.totals()),
        }


def _local(day: dt.date, rules: Rules, hour: int | None = None) -> dt.datetime:
    at = rules.policy.send_hour if hour is None else dt.time(hour)
    return dt.datetime.combine(day, at, tzinfo=rules.policy.zone)


def _completion_day(a: Assignment, rng: random.Random, completion: float, rules: Rules) -> dt.date:
    cal = rules.calendar
    if rng.random() < completion:
        span = max(cal.working_days_between(a.issue_on, a.due_on), 0)
        return (
            cal.add_working_days(
                cal.first_working_day_on_or_after(a.issue_on), rng.randint(0, span)
            )
            if span
            else a.due_on
        )
    return cal.add_working_days(a.due_on, rng.randint(1, 25))


def simulate(
    *,
    start: dt.date,
    end: dt.date,
    roadmap_file: Path,
    directory_file: Path,
    rules: Rules,
    settings: Settings,
    completion: float = 0.8,
    seed: int = 0,
    sweep: SweepStep | None = kontrol_sweep,
    workdir: Path | None = None,
    every_day: bool = False,
) -> Simulation:
    """Run the simulation on a temporary SQLite file (deleted afterwards), with ``settings``
    but for the database and the key: the scratch mails are composed as the real ones would be
    (``unsent_mailer``)."""
    if end < start:
        raise KontrolError(f"empty range: {start:%d.%m.%Y} is after {end:%d.%m.%Y}")
    if not 0.0 <= completion <= 1.0:
        raise KontrolError(f"--completion must be between 0 and 1, not {completion}")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kontrol-sim-", dir=workdir) as tmp:
        url = f"sqlite:///{Path(tmp) / 'simulation.db'}"
        # a key of its own: the scratch mails are thrown away with the database
        settings = dataclasses.replace(
            settings,
            database_url=url,
            secret_key=secrets.token_urlsafe(48),
            secret_keys_previous=None,
        )
        scratch_import(url, roadmap_file, directory_file, _local(start, rules))
        engine = scratch_engine(url)
        try:
            factory = session_factory(engine)
            with factory() as session:
                roadmap = roadmap_by_number(session)
                years, void_on = whole_years(roadmap_window(roadmap)), roadmap.retired_on
            for day, option in ((start, "--from"), (end, "--to")):
                if day not in years:
                    raise KontrolError(f"{option}: {DateOutOfRange(day, years)}")
            predicted, plan = _plan(factory, rules, start, end)
            days = None if every_day or sweep is not kontrol_sweep else _SweepDays(rules, void_on)
            _run(factory, plan, rules, settings, start, end, completion, seed, sweep, days)
            months = _months(factory, rules)
        finally:
            engine.dispose()
    return Simulation(start, end, completion, seed, predicted, months, time.perf_counter() - began)


def _plan(
    factory: sessionmaker[Session], rules: Rules, start: dt.date, end: dt.date
) -> tuple[int, dict[dt.date, list[tuple[int, Occurrence]]]]:
    """What the plan issues each day, and how many assignments that makes."""
    plan: dict[dt.date, list[tuple[int, Occurrence]]] = defaultdict(list)
    predicted = 0
    with factory() as session:
        for ob in obligations_of(session, roadmap_by_number(session)):
            if ob.kind == "on_demand":
                continue
            occs = [
                o
                for o in obligation_occurrences(ob, rules)
                if o.state == "scheduled" and start <= o.issue_on <= end
            ]
            predicted += len(occs) * len(recipients(session, ob.item))
            for occ in occs:
                plan[occ.issue_on].append((ob.id, occ))
    return predicted, plan


class _SweepDays:
    """The days the sweep can act on (see the module docstring): it learns each assignment
    as it is issued, and each decree's void date."""

    def __init__(self, rules: Rules, void_on: dt.date | None) -> None:
        self.rules = rules
        self.days: set[dt.date] = set()
        if void_on is not None:  # the sweep cancels a void decree's open work
            self.days |= {void_on, rules.calendar.first_working_day_on_or_after(void_on)}

    def learn(self, a: Assignment) -> None:
        cal = self.rules.calendar
        self.days |= {a.issue_on, cal.add_working_days(a.issue_on, 1)}
        self.days.add(cal.add_working_days(a.due_on, 1))
        self.days |= {step.on for step in ladder(a.due_on, self.rules.policy, cal)}

    def __contains__(self, day: dt.date) -> bool:
        cal = self.rules.calendar
        return day in self.days or first_working_day_of_week(day, cal) == day


def _run(
    factory: sessionmaker[Session],
    plan: dict[dt.date, list[tuple[int, Occurrence]]],
    rules: Rules,
    settings: Settings,
    start: dt.date,
    end: dt.date,
    completion: float,
    seed: int,
    sweep: SweepStep | None,
    sweep_days: _SweepDays | None = None,
) -> None:
    rng = random.Random(seed)
    mailer = unsent_mailer(settings)
    completes: dict[dt.date, list[int]] = defaultdict(list)
    day = start
    while day <= end:
        now = _local(day, rules)
        if plan.get(day):
            with factory() as session, session.begin():
                obligations, _bodies = _issuing_rows(session, {ob_id for ob_id, _ in plan[day]})
                for ob_id, occ in plan[day]:
                    ob = obligations[ob_id]
                    result = issue_occurrence(
                        session, ob, occ, rules=rules, now=now, actor=ACTOR, mailer=mailer
                    )
                    for a in result.assignments:
                        if a.id in result.created:
                            completes[_completion_day(a, rng, completion, rules)].append(a.id)
                            if sweep_days is not None:
                                sweep_days.learn(a)
        if (
            sweep is not None
            and rules.calendar.is_working_day(day)
            and (sweep_days is None or day in sweep_days)
        ):
            sweep(factory, day, now, rules, settings)
        if completes.get(day):
            later = _local(day, rules, hour=15)
            with factory() as session, session.begin():
                for aid in completes.pop(day):
                    mark_done(
                        session,
                        aid,
                        note=f"Отчёт об исполнении (симуляция), {day:%d.%m.%Y}",
                        now=later,
                        actor=ACTOR,
                    )
        day += dt.timedelta(days=1)


def _issuing_rows(session: Session, ids: set[int]) -> tuple[dict[int, Obligation], Sequence[Body]]:
    """The day's obligations with what issuing and its mails read of them (items, executors,
    bodies and groups), in a few queries: issuing then finds every row in the session instead
    of loading each one as it is touched. The caller keeps both while it issues: a session
    holds the rows it loaded only as long as something else does."""
    bodies = session.scalars(select(Body).options(selectinload(Body.members))).all()
    return {
        ob.id: ob
        for ob in session.scalars(
            select(Obligation)
            .where(Obligation.id.in_(ids))
            .options(
                selectinload(Obligation.item).options(
                    selectinload(Item.roadmap), selectinload(Item.executors)
                )
            )
        )
    }, bodies


def _key(d: dt.date | dt.datetime) -> str:
    return f"{d:%Y-%m}"


def _months(factory: sessionmaker[Session], rules: Rules) -> dict[str, Month]:
    months: dict[str, Month] = defaultdict(Month)
    zone = rules.policy.zone
    with factory() as session:
        for issue_on, due_on, completed_at in session.execute(
            select(Assignment.issue_on, Assignment.due_on, Assignment.completed_at)
        ):
            months[_key(issue_on)].issued += 1
            if completed_at is not None:
                done = completed_at.astimezone(zone)
                m = months[_key(done)]
                if done.date() <= due_on:
                    m.done_on_time += 1
                else:
                    m.done_late += 1
        for created_at, kind, n in session.execute(
            select(OutboxMessage.created_at, OutboxMessage.kind, func.count()).group_by(
                OutboxMessage.created_at, OutboxMessage.kind
            )
        ):
            at = created_at.astimezone(zone)
            months[_key(at)].mails[kind] += int(n)
        for taken_on, n in session.execute(
            select(LadderStep.taken_on, func.count())
            .where(LadderStep.step.in_(ESCALATION_STEPS))
            .group_by(LadderStep.taken_on)
        ):
            months[_key(taken_on)].escalations += int(n)
    return dict(months)
