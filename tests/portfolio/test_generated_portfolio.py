"""The bench's portfolio generator (bench/portfolio_gen.py) writes decrees kontrol imports
whole: every executor resolved, every schedule read (--strict), the same seed the same text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_runner import run
from tests.conftest import REPO

GEN = REPO / "bench" / "portfolio_gen.py"


def _generate(out: Path, seed: int) -> list[Path]:
    argv = [sys.executable, str(GEN), str(out), "--roadmaps", "3", "--items", "12"]
    subprocess.run([*argv, "--seed", str(seed)], check=True, capture_output=True)
    return sorted(out.glob("*.txt"))


def test_generated_decrees_import_strictly(
    kontrol_env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, directory_path: Path
) -> None:
    paths = _generate(tmp_path / "a", seed=5)
    assert len(paths) == 3
    for path in paths:
        result = run(capsys, "import", str(path), "--directory", str(directory_path), "--strict")
        assert result.code == 0, result.err
    listed = run(capsys, "roadmaps", "--json").json()
    assert len(listed) == 3
    assert all(r["obligations"] >= 12 for r in listed), listed
    again = _generate(tmp_path / "b", seed=5)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]
