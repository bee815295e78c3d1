"""Shared fixtures: the seed, the example directory, and a real database per test.

``db_url`` runs a test on SQLite and on PostgreSQL (``KONTROL_TEST_POSTGRES_URL``, started by
``scripts/test``). Without that variable the PostgreSQL half is skipped — unless
``KONTROL_REQUIRE_POSTGRES=1`` (CI), where a missing server is a failure.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# the tests' own cache folder (the grammar's built parser, the production calendar's years),
# set before kontrol is imported (a process reads it once): a run neither reads nor writes the
# user's ~/.cache/kontrol, and the processes a test starts share this process's folder
os.environ["XDG_CACHE_HOME"] = _CACHE = tempfile.mkdtemp(prefix="kontrol-test-cache-")
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

from kontrol.models.db import scratch_postgres  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "examples" / "lenobl" / "000_e3bc991062043600.txt"
DIRECTORY = REPO / "examples" / "lenobl" / "directory.yaml"
PG_URL = os.environ.get("KONTROL_TEST_POSTGRES_URL")
# the portal links need a real key (there is no built-in one): every test, and every process a
# test starts, signs with this one unless the test sets its own
TEST_SECRET_KEY = "kontrol-test-secret-key-0123456789-abcdefghij"


# the longest files (a whole demo, ten simulated years, a real browser on a real Prefect UI)
# start first: with the suite spread over workers they would otherwise be the last to end
SLOW_FIRST = (
    "tests/demo/",
    "tests/reports/test_simulate.py",
    "tests/prefect/test_ui_screenshots.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(SLOW_FIRST))  # stable otherwise


@pytest.fixture(autouse=True, scope="session")
def _secret_key() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KONTROL_SECRET_KEY", TEST_SECRET_KEY)
        mp.delenv("KONTROL_SECRET_KEYS_PREVIOUS", raising=False)
        yield TEST_SECRET_KEY


@pytest.fixture
def seed_path() -> Path:
    return SEED


@pytest.fixture
def directory_path() -> Path:
    return DIRECTORY


def _postgres_db() -> Iterator[str]:
    if not PG_URL:
        if os.environ.get("KONTROL_REQUIRE_POSTGRES") == "1":
            pytest.fail("KONTROL_REQUIRE_POSTGRES=1 but KONTROL_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL: set KONTROL_TEST_POSTGRES_URL (scripts/test does)")
    with scratch_postgres(PG_URL, "kontrol_t") as url:
        yield url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A scratch PostgreSQL database, for what only PostgreSQL does (mark the test postgres)."""
    yield from _postgres_db()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kontrol.db'}"
    else:
        yield from _postgres_db()


@pytest.fixture
def kontrol_env(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Points the CLI at a fresh database and a scratch working directory."""
    monkeypatch.setenv("KONTROL_DATABASE_URL", db_url)
    # no test mails to a real port by accident (a running demo's sink listens on 8025);
    # tests that deliver start their own sink and set the port
    monkeypatch.setenv("KONTROL_SMTP_PORT", "1")
    monkeypatch.delenv("KONTROL_DIRECTORY", raising=False)
    monkeypatch.chdir(tmp_path)
    return db_url
