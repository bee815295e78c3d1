"""The ladder's decisions, without a database: which rung falls on which working day."""

from __future__ import annotations

import datetime as dt

import pytest
from msgspec.structs import force_setattr

from kontrol.ladder import check_policy, decide, first_working_day_of_week, ladder, reached
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.workcalendar import WorkCalendar

CAL = WorkCalendar()
POLICY = Policy()
D = dt.date
DUE = D(2021, 1, 29)  # item 1.3, January 2021 (31 January is a Sunday)
ISSUED = D(2021, 1, 11)


def names(day: dt.date, taken: set[str] = frozenset(), status: str = "issued", **kw):  # type: ignore[no-untyped-def, assignment]
    kw.setdefault("issue_on", ISSUED)
    d = decide(
        due_on=kw.pop("due_on", DUE),
        status=status,
        taken=taken,
        as_of=day,
        policy=kw.pop("policy", POLICY),
        calendar=CAL,
        **kw,
    )
    return [s.name for s in d.steps]


def test_each_rung_falls_on_its_working_day() -> None:
    assert {s.name: s.on for s in ladder(DUE, POLICY, CAL)} == {
        "reminder-5": D(2021, 1, 22),
        "reminder-1": D(2021, 1, 28),
        "overdue": D(2021, 2, 1),
        "curator": D(2021, 2, 5),
        "controller": D(2021, 2, 12),
    }


def test_counting_skips_holidays_and_weekends() -> None:
    # due 2021-03-10: 8 March is a holiday, so 5 working days back is 2 March
    rungs = {s.name: s.on for s in ladder(D(2021, 3, 10), POLICY, CAL)}
    assert rungs["reminder-5"] == D(2021, 3, 2)
    # due 2021-12-30: the overdue notice waits for the new-year holidays to end
    assert {s.name: s.on for s in ladder(D(2021, 12, 30), POLICY, CAL)}["overdue"] == D(2022, 1, 10)


def test_overdue_notice_goes_out_the_next_working_day_with_the_status_change() -> None:
    d = decide(
        due_on=DUE, status="issued", taken={"reminder-5", "reminder-1"}, as_of=D(2021, 2, 1),
        issue_on=ISSUED, policy=POLICY, calendar=CAL,
    )  # fmt: skip
    assert [s.name for s in d.steps] == ["overdue"]
    assert d.becomes_overdue and d.days_overdue == 1


def test_nothing_before_its_day_and_nothing_on_a_day_off() -> None:
    assert names(D(2021, 1, 21)) == []
    assert names(D(2021, 1, 23)) == []  # Saturday, reminder-5 not taken yet
    assert names(D(2021, 2, 6), {"reminder-5", "reminder-1"}) == []  # Saturday, overdue


def test_a_missed_reminder_is_caught_up_only_as_the_nearest_one() -> None:
    assert names(D(2021, 1, 25)) == ["reminder-5"]  # missed on the 22nd: sent late
    assert names(D(2021, 1, 28)) == ["reminder-1"]  # both passed: only the nearest
    assert names(D(2021, 1, 28), {"reminder-1"}) == []  # reminder-5 is superseded for good


def test_reminders_are_stale_once_the_due_date_is_reached() -> None:
    assert names(D(2021, 1, 29)) == []
    assert names(D(2021, 2, 1)) == ["overdue"]


def test_missed_escalations_are_caught_up_each_once() -> None:
    assert names(D(2021, 2, 15)) == ["overdue", "curator", "controller"]
    assert names(D(2021, 2, 15), {"overdue", "curator"}) == ["controller"]


def test_no_reminder_on_the_issue_day() -> None:
    late_issue = D(2021, 1, 27)
    assert names(D(2021, 1, 27), issue_on=late_issue) == []
    assert names(D(2021, 1, 28), issue_on=late_issue) == ["reminder-1"]
    assert names(D(2021, 1, 26), issue_on=late_issue) == []  # not issued yet


@pytest.mark.parametrize("status", ["done", "cancelled"])
def test_a_closed_assignment_gets_nothing(status: str) -> None:
    assert names(D(2021, 2, 15), status=status) == []


def test_every_number_comes_from_the_policy() -> None:
    policy = Policy(
        reminders=(3,), overdue_notice_after=2, escalate_curator_after=3,
        escalate_controller_after=4,
    )  # fmt: skip
    assert {s.name: s.on for s in ladder(DUE, policy, CAL)} == {
        "reminder-3": D(2021, 1, 26),
        "overdue": D(2021, 2, 2),
        "curator": D(2021, 2, 3),
        "controller": D(2021, 2, 4),
    }


def test_a_ladder_out_of_order_is_refused() -> None:
    bad = Policy()  # changed behind its checks, as model_construct made one
    force_setattr(bad, "escalate_curator_after", 10)
    force_setattr(bad, "escalate_controller_after", 5)
    with pytest.raises(ValueError, match="escalate_curator_after must be less"):
        check_policy(bad)


def test_the_rung_reached_is_the_highest_taken() -> None:
    assert reached({"reminder-5", "reminder-1", "overdue"}, POLICY) == "overdue"
    assert reached({"reminder-5"}, POLICY) == "reminder-5"
    assert reached(set(), POLICY) is None


def test_first_working_day_of_a_week_with_holidays() -> None:
    assert first_working_day_of_week(D(2021, 2, 26), CAL) == D(2021, 2, 24)
    assert first_working_day_of_week(D(2021, 5, 12), CAL) == D(2021, 5, 11)
    assert first_working_day_of_week(D(2021, 1, 6), CAL) is None
