"""``--var DIR`` holds the whole demo, its database included: a second demo on another folder
never writes into the first one's database (``scripts/demo`` used to pin ``./var/kontrol.db``)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from tests.demo.processes import demo_argv, demo_env, free_ports


def test_the_database_of_a_demo_is_under_its_var(tmp_path: Path) -> None:
    var = tmp_path / "elsewhere" / "var"
    env = {k: v for k, v in demo_env(var).items() if k != "KONTROL_DATABASE_URL"}
    done = subprocess.run(
        demo_argv(var, free_ports(3), "--no-serve"),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (tmp_path / "kontrol.db").exists() and not (tmp_path / "var").exists()
    with sqlite3.connect(var / "kontrol.db") as db:
        assert db.execute("SELECT count(*) FROM assignments").fetchone()[0] > 0
    assert f"KONTROL_DATABASE_URL=sqlite:///{var / 'kontrol.db'}" in (var / "env.sh").read_text()
    assert os.stat(var / "secret_key").st_mode & 0o077 == 0
