"""A real temporary Prefect server for the tests of this package (Prefect's own test harness)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="package")
def prefect_server() -> Iterator[str]:
    """Started once for tests/prefect and stopped after them: its threads must not outlive the
    package (they use the global ``random``, which Hypothesis watches in later tests)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


@pytest.fixture
def seeded(kontrol_env: str, capsys: pytest.CaptureFixture[str], seed_path, directory_path) -> str:
    """A database with the seed imported against the example directory."""
    from tests.cli_runner import run

    result = run(capsys, "import", str(seed_path), "--directory", str(directory_path), "--strict")
    assert result.code == 0, result.err
    return kontrol_env
