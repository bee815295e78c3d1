"""Each rung once, whatever happens: two sweeps at once, or a sweep killed halfway and re-run."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from kontrol.models import AuditEvent, OutboxMessage
from kontrol.sweep import Action, SweepReport
from tests.sweep.conftest import issue, steps, sweep

D = dt.date
# 2.3 Q1: the lead is due 31.03, six co-executors 24.03; 1.3 January is due 29.01
PLAN = {"1.3": ["2021-01"], "2.3": ["2021-Q1"]}
DAYS = [D(2021, 3, 17), D(2021, 3, 25), D(2021, 3, 31), D(2021, 4, 7)]


class Boom(RuntimeError):
    pass


def _audit_and_mail(url: str) -> tuple[Counter[tuple[int | None, str, str]], list[str]]:
    engine = create_engine(url)
    with Session(engine) as s:
        audit = Counter(
            (
                e.assignment_id,
                e.action,
                f"{e.details.get('step') or e.details.get('level')}:{e.details.get('recipient')}"
                f":{e.details.get('due_on') or e.details.get('as_of')}",
            )
            for e in s.scalars(select(AuditEvent).where(AuditEvent.actor == "test"))
        )
        keys = list(s.scalars(select(OutboxMessage.key)))
    engine.dispose()
    return audit, keys


def _assert_each_once(url: str) -> None:
    taken = steps(url)
    assert len(taken) == len({(a, s, d) for a, s, d, _ in taken})
    audit, keys = _audit_and_mail(url)
    assert all(n == 1 for n in audit.values()), [k for k, n in audit.items() if n > 1]
    assert len(keys) == len(set(keys))
    ladder_audits = sum(n for (_, action, _), n in audit.items() if action == "ladder-step")
    assert ladder_audits == len(taken)


def test_two_sweeps_at_once_take_each_rung_once(seeded: str) -> None:
    url = seeded
    issue(url, PLAN)
    for day in DAYS:
        reports: list[SweepReport] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(2)

        def one(
            day: dt.date = day,
            barrier: threading.Barrier = barrier,
            reports: list[SweepReport] = reports,
            errors: list[BaseException] = errors,
        ) -> None:
            try:
                barrier.wait()
                reports.append(sweep(url, day, batch_size=2))
            except BaseException as exc:  # pragma: no cover - shown by the assert below
                errors.append(exc)

        threads = [threading.Thread(target=one) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        done = Counter(
            (a.assignment_id, a.step)
            for r in reports
            for a in r.actions
            if a.kind in ("reminder", "overdue_notice", "escalation", "status")
        )
        assert all(n == 1 for n in done.values()), done
    _assert_each_once(url)
    keys = _audit_and_mail(url)[1]
    digests = sorted(k for k in keys if k.startswith("digest:"))
    # one mail per supervisor and day, never split between the two sweeps; the overdue notices'
    # supervisors hear of them there too (no copy of each notice)
    assert digests == [
        "digest:dept-general:2021-03-17",  # 1.3 January caught up: its curator
        "digest:dept-general:2021-03-31",  # loiro: the roadmap's first curator
        "digest:dept-general:2021-04-07",  # 2.3 Q1 lead (committee): its curator
        "digest:dept-vocational:2021-03-25",  # colleges, universities: overdue
        "digest:dept-vocational:2021-03-31",  # … and escalated to their curator
        "digest:deputy-chair:2021-03-17",  # 1.3 January: overdue (committee) and controller
        "digest:deputy-chair:2021-03-25",  # loiro overdue
        "digest:deputy-chair:2021-04-07",  # 2.3 Q1: co-executors' controller, lead overdue
    ]
    assert not [k for k in keys if k.startswith(("overdue-copy", "digest-", "weekly-"))]


def _failing_after(n: int, kinds: tuple[str, ...]):  # type: ignore[no-untyped-def]
    seen: list[Action] = []

    def hook(action: Action) -> None:
        if action.kind in kinds:
            seen.append(action)
            if len(seen) == n:
                raise Boom(f"killed after {n} step(s)")

    return hook


@pytest.mark.parametrize(
    ("day", "kinds", "after"),
    [
        (D(2021, 3, 25), ("overdue_notice",), 3),  # halfway through the overdue notices
        (D(2021, 3, 31), ("escalation",), 4),  # halfway through the escalations
        (D(2021, 3, 31), ("digest",), 1),  # the digest itself fails
    ],
)
def test_a_sweep_killed_halfway_finishes_on_the_next_run_without_repeating(
    seeded: str, day: dt.date, kinds: tuple[str, ...], after: int
) -> None:
    url = seeded
    issue(url, PLAN)
    for earlier in DAYS:
        if earlier < day:
            sweep(url, earlier)
    with pytest.raises(Boom):
        sweep(url, day, batch_size=1, hook=_failing_after(after, kinds))
    sweep(url, day, batch_size=1)
    sweep(url, day, batch_size=1)  # and once more: nothing new
    _assert_each_once(url)
    on_day = [(a, s) for a, s, _, on in steps(url) if on == day]
    if day == D(2021, 3, 25):
        # the lead's reminder-5 (24.03) was missed: caught up, 4 working days before due
        assert sorted(s for _, s in on_day) == ["overdue"] * 6 + ["reminder-5"]
    else:
        # the lead is due that day: its reminder-1 is stale and not sent
        assert sorted(s for _, s in on_day) == ["curator"] * 6
        keys = _audit_and_mail(url)[1]
        digests = sorted(k for k in keys if k.startswith("digest:") and k.endswith(":2021-03-31"))
        assert digests == ["digest:dept-general:2021-03-31", "digest:dept-vocational:2021-03-31"]
