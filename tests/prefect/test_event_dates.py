"""An event's time at the edges of the calendar, by the API and by ``kontrol event emit --at``:
accepted inside the roadmaps' date window (its day in the policy's zone) and not in the future,
else refused in one line — never a 500 or a traceback — and nothing recorded.

(``0001-01-01T00:00:00+14:00`` used to overflow converting to UTC: a 500 and a traceback.)"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kontrol.models.event import EventRecord
from kontrol.roadmap.datewindow import DateWindow
from tests.cli_runner import run
from tests.prefect.conftest import Prefect, db_rows, events_client

pytestmark = pytest.mark.usefixtures("prefect_server")

ZONE = ZoneInfo("Europe/Moscow")  # the policy's
WINDOW = DateWindow(dt.date(2020, 7, 27), dt.date(2031, 12, 31))  # the seed's
WORDS = "вне допустимого диапазона 27.07.2020 – 31.12.2031"
TOLERANCE = dt.timedelta(minutes=10)  # the policy's event_future_tolerance_minutes
NOW = dt.datetime(2025, 3, 3, 7, 0, tzinfo=dt.UTC)  # the API's clock in these tests
EDO = {"Authorization": "Bearer edo-token-0123456789"}
OFFSETS = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)
NEAR = {"min_value": dt.datetime(2019, 1, 1), "max_value": dt.datetime(2033, 1, 1)}


def moments(zones: st.SearchStrategy[dt.tzinfo | None]) -> st.SearchStrategy[dt.datetime]:
    """Any moment of the calendar, half of them around the window (else few would be in it)."""
    return st.datetimes(timezones=zones) | st.datetimes(**NEAR, timezones=zones)


MOMENTS = moments(st.none() | st.just(dt.UTC) | OFFSETS)
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EDGES = [
    dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))),
    dt.datetime.max.replace(tzinfo=dt.timezone(dt.timedelta(hours=-12))),
    dt.datetime.min,
    dt.datetime.max,
    dt.datetime(2020, 7, 27),  # naive: Moscow time, the first accepted day
    dt.datetime(2020, 7, 26, 23, 59, 59),
    dt.datetime(2020, 7, 26, 21, 0, tzinfo=dt.UTC),  # 27.07 00:00 in Moscow
    dt.datetime(2020, 7, 26, 20, 59, 59, tzinfo=dt.UTC),
]


def _snapshot(url: str) -> list[tuple[object, ...]]:
    return db_rows(
        url,
        select(
            EventRecord.id,
            EventRecord.sender_ref,
            EventRecord.occurred_at,
            EventRecord.forwarded_at,
        ).order_by(EventRecord.id),
    )


def _expected(at: dt.datetime, now: dt.datetime) -> bool:
    """The oracle: the day in the policy's zone inside the window, and not in the future."""
    aware = at if at.utcoffset() is not None else at.replace(tzinfo=ZONE)
    try:
        day = aware.astimezone(ZONE).date()
    except OverflowError:
        return False
    return day in WINDOW and aware <= now + TOLERANCE


@pytest.mark.parametrize(
    ("at", "day"),
    [("0001-01-01T00:00:00+14:00", "01.01.0001"), ("9999-12-31T23:59:59-12:00", "31.12.9999")],
)
def test_an_event_at_the_ends_of_the_calendar_is_refused_by_the_api_and_the_cli(
    event_items, capsys, at, day
):
    client = events_client(Prefect())
    sent = {"event": "appeal_received", "ref": "ОБР-1", "at": at}

    answer = client.post("/api/events", json=sent, headers=EDO)
    emitted = run(capsys, "event", "emit", "appeal_received", "--at", at, "--ref", "ОБР-2")

    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"] == f"at: дата {day} {WORDS}"
    assert emitted.code == 2 and "Traceback" not in emitted.err
    assert f"--at: дата {day} {WORDS}" in emitted.err
    assert _snapshot(event_items) == []


def test_any_time_sent_to_the_api_is_accepted_in_the_window_or_refused(event_items):
    prefect = Prefect()
    client = events_client(prefect, now=NOW)
    refs = itertools.count(1)
    seen: list[int] = []

    @PROPERTY
    @given(at=MOMENTS)
    @example(at=EDGES[0])
    @example(at=EDGES[1])
    @example(at=EDGES[4])
    @example(at=EDGES[5])
    @example(at=EDGES[6])
    @example(at=EDGES[7])
    @example(at=NOW + TOLERANCE)
    @example(at=NOW + TOLERANCE + dt.timedelta(microseconds=1))
    def check(at: dt.datetime) -> None:
        before = _snapshot(event_items)
        sent = {"event": "appeal_received", "ref": f"P-{next(refs)}", "at": at.isoformat()}
        answer = client.post("/api/events", json=sent, headers=EDO)
        assert answer.status_code < 500, answer.text
        seen.append(answer.status_code)
        if _expected(at, NOW):
            assert answer.status_code == 201, answer.text
            aware = at if at.utcoffset() is not None else at.replace(tzinfo=ZONE)
            stored = dt.datetime.fromisoformat(answer.json()["occurred_at"])
            assert stored == aware and stored.astimezone(ZONE).date() in WINDOW
        else:
            assert answer.status_code == 422, answer.text
            detail = answer.json()["detail"]
            assert isinstance(detail, str) and "\n" not in detail
            assert detail.startswith("at: ") and (WORDS in detail or "in the future" in detail)
            assert _snapshot(event_items) == before

    check()
    assert {201, 422} <= set(seen)  # both sides of the bound were tried


def test_any_time_given_to_event_emit_is_accepted_in_the_window_or_refused(event_items, capsys):
    refs = itertools.count(1)
    seen: list[int] = []

    @PROPERTY
    @given(at=moments(st.none() | OFFSETS | st.timezones()))
    @example(at=EDGES[0])
    @example(at=EDGES[1])
    @example(at=EDGES[2])
    @example(at=EDGES[3])
    @example(at=EDGES[4])
    @example(at=EDGES[5])
    def check(at: dt.datetime) -> None:
        before = _snapshot(event_items)
        ref = f"C-{next(refs)}"
        result = run(
            capsys, "event", "emit", "appeal_received", "--at", at.isoformat(), "--ref", ref
        )
        assert result.code in (0, 2) and "Traceback" not in result.err, result.err
        seen.append(result.code)
        now = dt.datetime.now(dt.UTC)  # the command read the real clock just before
        aware = at if at.utcoffset() is not None else at.replace(tzinfo=ZONE)
        if abs(aware - now) < TOLERANCE + dt.timedelta(minutes=1):
            return  # the future check depends on the very moment the command read the clock
        if _expected(at, now):
            assert result.code == 0, result.err
        else:
            assert result.code == 2
            assert result.err.count("\n") == 1
            assert "--at: " in result.err and (WORDS in result.err or "in the future" in result.err)
            assert _snapshot(event_items) == before

    check()
    assert {0, 2} <= set(seen)
