"""Extension dates outside the roadmap's window: the form refuses them in the roadmap's words,
and a request for one made before that check can be refused by the curator without a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from kontrol.models import Assignment
from kontrol.models.report import ExtensionRequest
from kontrol.roadmap.datewindow import DateWindow
from tests.portal.conftest import RULES, PortalEnv
from tests.portal.helpers import decide, link_in, request_extension

WORDS = "вне допустимого диапазона 27.07.2020 – 31.12.2031"
WINDOW = DateWindow(dt.date(2020, 7, 27), dt.date(2031, 12, 31))
DATES = st.dates() | st.dates(dt.date(2019, 1, 1), dt.date(2033, 1, 1))  # half near the window


@pytest.mark.parametrize("due_on", ["9999-12-31", "2032-01-01", "0001-01-01"])
def test_the_form_refuses_a_date_outside_the_roadmap(env: PortalEnv, due_on: str) -> None:
    before = env.snapshot()
    answer = request_extension(env, env.token(env.lead), due_on)
    day = dt.date.fromisoformat(due_on)
    assert answer.status_code == 400
    assert f"Дата {day.day:02d}.{day.month:02d}.{day.year:04d} {WORDS}." in answer.text
    assert env.snapshot() == before


def test_a_request_for_the_last_day_of_the_window_can_be_approved(env: PortalEnv) -> None:
    assert request_extension(env, env.token(env.lead), "2031-12-31").status_code == 303
    (mail,) = env.outbox("extension_request")
    assert decide(env, link_in(mail.body_text, "approve")).status_code == 303
    assert env.assignment(env.lead).due_on == dt.date(2031, 12, 31)


def test_a_request_made_before_the_check_is_not_approved_and_can_be_rejected(
    env: PortalEnv,
) -> None:
    """Such a request (9999-12-31) used to make the approval answer 500 on every try."""
    assert request_extension(env, env.token(env.lead), "2021-04-30").status_code == 303
    with env.sessions() as s, s.begin():  # what the form accepted before it checked the window
        s.execute(update(ExtensionRequest).values(requested_due_on=dt.date(9999, 12, 31)))
    (mail,) = env.outbox("extension_request")
    before = env.snapshot()

    approve = decide(env, link_in(mail.body_text, "approve"))

    assert approve.status_code == 409
    assert f"Срок перенести нельзя: дата 31.12.9999 {WORDS}" in approve.text
    assert "Отклоните просьбу" in approve.text
    assert env.snapshot() == before
    assert decide(env, link_in(mail.body_text, "reject"), "Опечатка в дате").status_code == 303
    assert env.rows(ExtensionRequest)[0].status == "rejected"
    assert env.assignment(env.lead).due_on == dt.date(2021, 3, 31)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(day=DATES)
@example(day=dt.date.max)
@example(day=dt.date.min)
@example(day=dt.date(2031, 12, 31))
@example(day=dt.date(2032, 1, 1))
def test_any_date_in_the_form_is_accepted_in_the_window_and_approvable_or_refused(
    env: PortalEnv, day: dt.date
) -> None:
    due = dt.date(2021, 3, 31)
    before = env.snapshot()
    answer = request_extension(env, env.token(env.lead), day.isoformat())
    if day in WINDOW and day > due and RULES.calendar.is_working_day(day):
        assert answer.status_code == 303, answer.text
        mail = env.outbox("extension_request")[-1]
        assert decide(env, link_in(mail.body_text, "approve")).status_code == 303
        assert env.assignment(env.lead).due_on == day
        with env.sessions() as s, s.begin():  # as it was, for the next example
            s.execute(
                update(Assignment)
                .where(Assignment.id == env.lead)
                .values(due_on=due, status="issued")
            )
    else:
        assert answer.status_code == 400, answer.text
        shown = f"Дата {day.day:02d}.{day.month:02d}.{day.year:04d} {WORDS}."
        assert day in WINDOW or shown in answer.text
        assert env.snapshot() == before
