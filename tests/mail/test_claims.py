"""Which rows a claim takes: the oldest due ones, in ``(next_attempt_at, id)`` order, rows whose
lease ran out among them by their own time, never more than asked (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from kontrol.mail import claims
from kontrol.models import OutboxMessage
from tests.mail.factory import NOW, World, settings_for
from tests.mail.test_delivery_failures import issue, rows

MINUTE = dt.timedelta(minutes=1)


def _set(world: World, row_id: int, **values: object) -> None:
    with world.transaction() as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))


def test_the_oldest_due_rows_first_with_runs_that_died_among_them(world: World) -> None:
    issue(world, settings_for(25), 7)
    a, b, c, d, e, f, g = (r.id for r in rows(world))
    for row_id, minutes in ((a, -5), (b, -30), (c, -10), (d, -10)):
        _set(world, row_id, next_attempt_at=NOW + minutes * MINUTE)
    # a run died holding e (taken 20 minutes ago) and f (its lease has not run out yet)
    _set(world, e, status="sending", next_attempt_at=NOW - 20 * MINUTE, lease_until=NOW - MINUTE)
    _set(world, f, status="sending", next_attempt_at=NOW - 40 * MINUTE, lease_until=NOW + MINUTE)
    _set(world, g, next_attempt_at=NOW + MINUTE)  # not due yet

    def claim(limit: int) -> list[int]:
        return claims.claim_batch(world.sessions, now=NOW, limit=limit, lease_seconds=300)

    # by time: b (-30), e (-20, its run died), then c and d (-10, by id), then a (-5)
    assert claim(3) == sorted([b, e, c])
    assert claim(3) == sorted([d, a])
    assert claim(3) == []
    state = {r.id: (r.status, r.attempts) for r in rows(world)}
    assert state[f] == ("sending", 0) and state[g] == ("pending", 0)
    assert all(state[i] == ("sending", 1) for i in (a, b, c, d, e))


def test_a_claim_of_one_takes_one_while_a_dead_run_holds_older_rows(world: World) -> None:
    """On PostgreSQL each state's oldest rows are locked apart before the oldest of both are
    taken: the claim still takes only what it asked for."""
    issue(world, settings_for(25), 3)
    a, b, _ = (r.id for r in rows(world))
    _set(world, a, status="sending", next_attempt_at=NOW - MINUTE, lease_until=NOW - MINUTE)
    taken = [claims.claim_batch(world.sessions, now=NOW, limit=1, lease_seconds=300)]
    taken += [claims.claim_batch(world.sessions, now=NOW, limit=1, lease_seconds=300)]
    assert taken == [[a], [b]]
    assert [r.status for r in rows(world)] == ["sending", "sending", "pending"]
