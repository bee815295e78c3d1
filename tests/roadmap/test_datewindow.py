"""The accepted date window of a roadmap and the day of a datetime near the calendar's ends."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kontrol.roadmap.datewindow import DateOutOfRange, DateWindow, date_window, day_in, hull

MSK = ZoneInfo("Europe/Moscow")
SEED = date_window(dt.date(2020, 7, 27), 2030)
OFFSETS = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)


def test_the_seed_runs_from_its_adoption_to_the_year_after_its_horizon() -> None:
    expected = DateWindow(dt.date(2020, 7, 27), dt.date(2031, 12, 31))
    assert date_window(dt.date(2020, 7, 27), 2030) == expected
    assert date_window(dt.date(2020, 7, 27), None).last == dt.date(2021, 12, 31)
    assert date_window(dt.date(9999, 1, 1), 9999).last == dt.date(9999, 12, 31)


def test_a_day_outside_is_refused_in_the_words_people_read() -> None:
    assert SEED.check(dt.date(2031, 12, 31)) == dt.date(2031, 12, 31)
    with pytest.raises(DateOutOfRange) as caught:
        SEED.check(dt.date(9999, 12, 31))
    assert str(caught.value) == "дата 31.12.9999 вне допустимого диапазона 27.07.2020 – 31.12.2031"
    with pytest.raises(DateOutOfRange, match=r"^дата 01\.01\.0001 вне"):
        SEED.check(dt.date.min)
    with pytest.raises(DateOutOfRange, match=r"^дата 26\.07\.2020 вне"):
        SEED.check(dt.date(2020, 7, 26))


def test_several_roadmaps_give_the_window_holding_them_all() -> None:
    other = date_window(dt.date(2018, 3, 1), 2025)
    assert hull([SEED, other]) == DateWindow(dt.date(2018, 3, 1), dt.date(2031, 12, 31))
    assert hull([]) is None


@pytest.mark.parametrize(
    ("at", "day"),
    [
        (dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))), dt.date(1, 1, 1)),
        (dt.datetime.max.replace(tzinfo=dt.timezone(dt.timedelta(hours=-12))), dt.date.max),
        (dt.datetime(2020, 7, 26, 22, tzinfo=dt.UTC), dt.date(2020, 7, 27)),  # 01:00 in Moscow
        (dt.datetime(2020, 7, 26, 22), dt.date(2020, 7, 26)),  # naive: already Moscow time
    ],
)
def test_the_day_of_a_moment_in_the_zone_even_at_the_ends_of_the_calendar(at, day) -> None:
    assert day_in(at, MSK) == day


@given(st.datetimes(timezones=st.none() | OFFSETS | st.timezones()))
def test_any_moment_has_a_day_and_only_a_day_inside_the_window_converts(at: dt.datetime) -> None:
    day = day_in(at, MSK)
    if day in SEED:  # what a caller does next must work: store it in UTC
        aware = at if at.utcoffset() is not None else at.replace(tzinfo=MSK)
        assert aware.astimezone(dt.UTC).astimezone(MSK).date() == day
