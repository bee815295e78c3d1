"""``scripts/test`` stops the PostgreSQL cluster it started — also when pytest fails — and
leaves alone one that was running before it. On a cluster of its own (port and folder)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.demo.processes import free_ports

BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


@pytest.fixture
def cluster() -> Iterator[dict[str, str]]:
    """The environment naming a cluster nobody else uses (a folder the postgres user can
    reach: pytest's own are private to root)."""
    if not BIN or os.geteuid() != 0:
        if os.environ.get("KONTROL_REQUIRE_POSTGRES") == "1":
            pytest.fail("KONTROL_REQUIRE_POSTGRES=1 but PostgreSQL is not installed or not root")
        pytest.skip("needs PostgreSQL's binaries and root (scripts/postgres.sh)")
    top = Path(tempfile.mkdtemp(prefix="kontrol-pg-"))
    top.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "KONTROL_TEST_POSTGRES_URL"}
    env |= {"KONTROL_PG_PORT": str(free_ports(1)[0]), "KONTROL_PG_DATA": str(top / "data")}
    try:
        yield env
    finally:
        if _ready(env):
            subprocess.run(["bash", "scripts/postgres.sh", "stop"], cwd=REPO, env=env)
        shutil.rmtree(top, ignore_errors=True)


def _ready(env: dict[str, str]) -> bool:
    isready = [str(BIN[-1] / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", env["KONTROL_PG_PORT"]]
    return subprocess.run(isready).returncode == 0


def _scripts_test(env: dict[str, str], *pytest_args: str) -> int:
    done = subprocess.run(
        ["bash", "scripts/test", *pytest_args, "-q", "-p", "no:cacheprovider"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode


def test_the_cluster_it_started_is_stopped_even_when_pytest_fails(cluster):
    assert not _ready(cluster)
    assert _scripts_test(cluster, "tests/demo/test_progress.py", "-k", "no_such_test") == 5
    assert not _ready(cluster)


def test_a_cluster_running_before_is_left_running(cluster):
    subprocess.run(["bash", "scripts/postgres.sh"], cwd=REPO, env=cluster, check=True)
    assert _scripts_test(cluster, "tests/demo/test_progress.py") == 0
    assert _ready(cluster)
