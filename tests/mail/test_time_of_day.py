"""An assignment whose phrase writes a time of day («22 июня 2021 г. 10.00 ч.») says it in the
mail and sends an .ics event at that time on that day instead of an all-day one (issue 18)."""

from __future__ import annotations

import datetime as dt

import icalendar

from kontrol.mail.mailer import Mailer
from kontrol.mail.sink import SinkHandle
from kontrol.models import Assignment, Item
from kontrol.settings import Settings
from tests.mail.conftest import Recorder, deliver
from tests.mail.factory import NOW, World, add_assignment, add_item

DAY = dt.date(2021, 6, 22)


def _issue(world: World, settings: Settings, phrase: str) -> int:
    add_item(world, "4.1", "Торжественная церемония возложения цветов", ["committee"])
    with world.transaction() as s:
        item = s.get(Item, world.items["4.1"])
        assert item is not None
        item.schedule_text = phrase
    a_id = add_assignment(world, "4.1", "committee", period=(DAY, DAY), due_on=DAY)
    with world.transaction() as s:
        a = s.get(Assignment, a_id)
        assert a is not None
        Mailer.of(settings).assignment_issued(s, a, now=NOW)
    return a_id


def test_the_mail_and_its_calendar_event_carry_the_time(
    world: World, settings: Settings, smtp: SinkHandle, recorder: Recorder
) -> None:
    _issue(world, settings, "22 июня 2021 г. 10.00 ч.")
    assert deliver(world, settings).sent == 1
    (msg,) = recorder.messages()
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Время: 10:00" in plain and ">10:00</td>" in html
    (att,) = list(msg.iter_attachments())
    (event,) = icalendar.Calendar.from_ical(att.get_content()).walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start == dt.datetime(2021, 6, 22, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    assert "DTEND" not in event


def test_without_a_time_the_event_stays_all_day(
    world: World, settings: Settings, smtp: SinkHandle, recorder: Recorder
) -> None:
    _issue(world, settings, "22 июня 2021 г.")
    deliver(world, settings)
    (msg,) = recorder.messages()
    assert "Время:" not in msg.get_body(("plain",)).get_content()
    (att,) = list(msg.iter_attachments())
    (event,) = icalendar.Calendar.from_ical(att.get_content()).walk("VEVENT")
    assert event.decoded("DTSTART") == DAY
