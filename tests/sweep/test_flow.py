"""The Prefect flow: sweeps as of its day, nothing on a day off, keyed artifacts published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from tests.sweep.conftest import issue


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_daily_sweep_acts_as_of_its_day_and_publishes_artifacts(
    seeded: str, prefect_server: None
) -> None:
    from prefect.client.orchestration import get_client

    from kontrol.flows.sweep import daily_sweep

    issue(seeded, {"1.3": ["2021-01"]})
    assert daily_sweep(as_of=dt.date(2021, 2, 6)) == {"as_of": "2021-02-06", "working_day": False}
    result = daily_sweep(as_of=dt.date(2021, 2, 5))
    assert result["counts"]["escalation"] == 1  # overdue, curator caught up at once
    assert result["counts"]["overdue_notice"] == 1
    with get_client(sync_client=True) as client:
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

        for key in ("kontrol-overdue", "kontrol-summary"):
            found = client.read_latest_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
            )
            assert found, key


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_daily_sweep_on_its_scheduled_day_runs_on_sqlite(seeded: str, prefect_server: None) -> None:
    """As a worker runs it: no ``as_of``, the day from the scheduled start. That start is a
    pendulum DateTime, whose date sqlite3 could not bind: the run failed every day."""
    from kontrol.flows.sweep import daily_sweep

    issue(seeded, {"1.3": ["2021-01"]})
    result = daily_sweep()
    today = dt.datetime.now(ZoneInfo("Europe/Moscow")).date()  # the policy's zone
    assert result["as_of"] in (today.isoformat(), (today - dt.timedelta(days=1)).isoformat())
    if result["working_day"]:
        assert result["counts"]["overdue_notice"] == 1  # January 2021's occurrence, long past
