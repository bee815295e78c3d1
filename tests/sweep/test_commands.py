"""``kontrol sweep / status / done / extend / cancel``: what people type, and their mistakes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from kontrol.assignments import cancel, mark_done
from kontrol.errors import KontrolError
from kontrol.models import Assignment, AuditEvent
from kontrol.models.db import make_engine
from tests.cli_runner import run
from tests.sweep.conftest import counts, issue, steps

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def jan(seeded: str) -> int:
    return issue(seeded, {"1.3": ["2021-01"]})[0]


def _assignment(url: str, aid: int) -> Assignment:
    with Session(create_engine(url)) as s:
        a = s.get(Assignment, aid)
        assert a is not None
        return a


def test_sweep_dry_run_shows_what_would_be_sent_and_changes_nothing(capsys, seeded, jan) -> None:
    before = counts(seeded)
    result = run(capsys, "sweep", "--as-of", "2021-01-22", "--dry-run", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["dry_run"] is True
    assert [(a["kind"], a["step"], a["assignment_id"]) for a in data["actions"]] == [
        ("reminder", "reminder-5", jan)
    ]
    assert "осталось 5 рабочих дней" in data["actions"][0]["subject"]
    assert counts(seeded) == before


def test_sweep_sends_once_and_a_second_run_sends_nothing(capsys, seeded, jan) -> None:
    first = run(capsys, "sweep", "--as-of", "2021-02-01", "--json")
    assert first.code == 0, first.err
    assert first.json()["counts"]["overdue_notice"] == 1
    assert first.json()["counts"]["status"] == 1
    again = run(capsys, "sweep", "--as-of", "2021-02-01", "--json")
    assert again.json()["actions"] == []
    assert _assignment(seeded, jan).status == "overdue"


def test_sweep_on_a_holiday_sends_nothing(capsys, seeded, jan) -> None:
    result = run(capsys, "sweep", "--as-of", "2021-02-23")
    assert result.code == 0
    assert "not a working day" in result.out
    assert counts(seeded)[0] == 0


def test_status_lists_overdue_with_days_and_rung(capsys, seeded, jan) -> None:
    run(capsys, "sweep", "--as-of", "2021-02-05")
    result = run(capsys, "status", "--overdue", "--as-of", "2021-02-05", "--json")
    assert result.code == 0, result.err
    [row] = result.json()["assignments"]
    assert (row["id"], row["item"], row["days_overdue"], row["step"]) == (jan, "1.3", 5, "curator")
    table = run(capsys, "status", "--body", "committee", "--item", "1.3", "--as-of", "2021-02-05")
    assert table.code == 0 and "куратор" in table.out


def test_done_stops_the_ladder(capsys, seeded, jan) -> None:
    result = run(capsys, "done", str(jan), "--note", "план утверждён")
    assert result.code == 0, result.err
    a = _assignment(seeded, jan)
    assert (a.status, a.completion_note) == ("done", "план утверждён")
    assert run(capsys, "sweep", "--as-of", "2021-02-12", "--json").json()["actions"] == []
    assert run(capsys, "done", str(jan)).code == 0  # again: unchanged, not an error


def test_extend_moves_the_due_date_and_restarts_the_ladder(capsys, seeded, jan) -> None:
    run(capsys, "sweep", "--as-of", "2021-02-01")
    result = run(capsys, "extend", str(jan), "--to", "2021-02-26", "--reason", "просьба")
    assert result.code == 0, result.err
    a = _assignment(seeded, jan)
    assert (a.due_on.isoformat(), a.original_due_on.isoformat()) == ("2021-02-26", "2021-01-29")
    run(capsys, "sweep", "--as-of", "2021-02-19")
    assert [(s, due.isoformat()) for _, s, due, _ in steps(seeded)] == [
        ("overdue", "2021-01-29"),  # the old ladder
        ("reminder-5", "2021-02-26"),  # the new one, from its first rung
    ]


def test_cancel_stops_the_ladder_and_keeps_the_reason(capsys, seeded, jan) -> None:
    assert run(capsys, "cancel", str(jan), "--reason", "пункт исключён").code == 0
    a = _assignment(seeded, jan)
    assert (a.status, a.cancel_reason) == ("cancelled", "пункт исключён")
    with Session(create_engine(seeded)) as s:
        assert s.scalars(
            select(AuditEvent.action).where(AuditEvent.assignment_id == jan)
        ).all() == [
            "issued",
            "cancelled",
        ]
    assert run(capsys, "done", str(jan)).code == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("done", "999"), "no assignment 999"),
        (("done", "abc"), "assignment must be a number"),
        (("extend", "{jan}", "--to", "15.03.2021", "--reason", "x"), "is not a date"),
        (("extend", "{jan}", "--to", "2021-01-20", "--reason", "x"), "must be after the current"),
        (("extend", "{jan}", "--to", "2021-01-29", "--reason", "x"), "must be after the current"),
        (("extend", "{jan}", "--to", "2021-02-23", "--reason", "x"), "is not a working day"),
        (("sweep", "--as-of", "2021-02-30"), "is not a date"),
        (("cancel", "{jan}", "--reason", " "), "must not be empty"),
        (("status", "--body", "nobody"), "no body 'nobody'"),
    ],
)
def test_bad_input_is_one_clear_line_exit_2_and_changes_nothing(
    capsys, seeded, jan, args, message
) -> None:
    before = counts(seeded)
    due = _assignment(seeded, jan).due_on
    result = run(capsys, *(a.format(jan=jan) for a in args))
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert counts(seeded) == before
    assert _assignment(seeded, jan).due_on == due


def test_a_policy_with_its_ladder_out_of_order_is_refused(
    capsys, seeded, jan, tmp_path, monkeypatch
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("escalate_curator_after: 10\nescalate_controller_after: 5\n")
    monkeypatch.setenv("KONTROL_POLICY", str(policy))
    before = counts(seeded)
    result = run(capsys, "sweep", "--as-of", "2021-02-12")
    assert result.code == 2
    assert "escalate_curator_after must be less than escalate_controller_after" in result.err
    assert "policy.yaml" in result.err
    assert counts(seeded) == before


def test_a_report_is_not_written_over_a_cancel_made_meanwhile(seeded, jan) -> None:
    """The portal reads the row, then marks it done: a cancel committed in between is seen
    once the row is held (a row lock on PostgreSQL, the write lock on SQLite), and the report
    is refused, not written over it."""
    engine = make_engine(seeded)
    at = dt.datetime(2021, 1, 20, 10, tzinfo=dt.UTC)
    with Session(engine) as reporting:
        first_read = reporting.get(Assignment, jan)  # the portal's, held as the portal holds it
        assert first_read is not None and first_read.status == "issued"
        with Session(engine) as other, other.begin():
            cancel(other, jan, reason="мероприятие исключено", now=at, actor="test")
        with pytest.raises(KontrolError, match="cancelled"):
            mark_done(reporting, jan, note="отчёт", now=at, actor="test")
    assert _assignment(seeded, jan).status == "cancelled"
    engine.dispose()


def test_while_a_change_holds_the_row_no_other_writer_changes_it(seeded, jan) -> None:
    """Between reading the row and writing it, a change holds it: another writer cannot commit
    over it (it would wait; here it is told not to wait long, and gives up)."""
    engine = make_engine(seeded)
    postgresql = seeded.startswith("postgresql")
    impatient = (
        create_engine(seeded.replace("postgresql://", "postgresql+psycopg://", 1))
        if postgresql
        else create_engine(seeded, connect_args={"timeout": 0.2})
    )
    at = dt.datetime(2021, 1, 20, 10, tzinfo=dt.UTC)
    with Session(engine) as reporting, reporting.begin():
        mark_done(reporting, jan, note="отчёт", now=at, actor="test")  # holds the row until commit
        with Session(impatient) as other, pytest.raises(OperationalError), other.begin():
            if postgresql:
                other.execute(text("SET LOCAL lock_timeout = '200ms'"))
            cancel(other, jan, reason="мероприятие исключено", now=at, actor="test")
    assert _assignment(seeded, jan).status == "done"
    impatient.dispose()
    engine.dispose()
