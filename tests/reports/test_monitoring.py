"""The annual monitoring: its schedule, and the mails it writes (once) with the workbook."""

from __future__ import annotations

import base64
import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
from sqlalchemy import select

from kontrol.context import App
from kontrol.flows.monitoring import monitoring, monitoring_schedule
from kontrol.models import OutboxMessage
from kontrol.settings import Settings
from tests.reports.conftest import World


def test_first_working_day_of_february_at_send_hour(rules) -> None:
    got = monitoring_schedule(rules, range(2022, 2026))
    msk = ZoneInfo("Europe/Moscow")
    assert got == [
        dt.datetime(2022, 2, 1, 9, tzinfo=msk),
        dt.datetime(2023, 2, 1, 9, tzinfo=msk),
        dt.datetime(2024, 2, 1, 9, tzinfo=msk),
        dt.datetime(2025, 2, 3, 9, tzinfo=msk),  # 1 February 2025 is a Saturday
    ]
    assert monitoring_schedule(rules, [2022], month=3, day=15)[0].date() == dt.date(2022, 3, 15)


def test_report_mailed_to_controller_and_curators_once(world: World) -> None:
    now = dt.datetime(2022, 2, 1, 6, tzinfo=dt.UTC)
    app = App(Settings(database_url=world.url), now=now)
    first = monitoring(app, world.rules, year=2021, as_of=dt.date(2022, 2, 1))
    again = monitoring(app, world.rules, year=2021, as_of=dt.date(2022, 2, 1))
    assert len(first["mails"]) == 4 and again["mails"] == []
    with world.session() as s:
        rows = s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "annual_report")
            .order_by(OutboxMessage.id)
        ).all()
        assert [r.key for r in rows] == [
            "report:1302-б:2021:deputy-chair",
            "report:1302-б:2021:dept-general",
            "report:1302-б:2021:dept-vocational",
            "report:1302-б:2021:loiro",
        ]
        (att,) = rows[0].attachments
        assert att["filename"] == "kontrol-report-2021.xlsx" and att["encoding"] == "base64"
        wb = openpyxl.load_workbook(io.BytesIO(base64.b64decode(att["content"])))
        assert wb["Сводка"]["B7"].value == 7
        assert "Исполнительская дисциплина" in rows[0].body_text
        assert rows[0].subject == "Отчёт об исполнении дорожной карты № 1302-б за 2021"
