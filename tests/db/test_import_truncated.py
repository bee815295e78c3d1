"""A cut-off decree through ``kontrol import``: a warning naming the last complete item, and
with ``--strict`` one error line, exit code 2 and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.orm import Session

from kontrol.models import Roadmap
from tests.cli_runner import run
from tests.roadmap.test_truncation import last_complete

pytestmark = pytest.mark.usefixtures("kontrol_env")


def _roadmaps(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        if not inspect(engine).has_table("roadmaps"):
            return 0
        with Session(engine) as s:
            return s.scalar(select(func.count()).select_from(Roadmap)) or 0
    finally:
        engine.dispose()


def _cut_seed(seed: Path, tmp: Path, cut: int) -> Path:
    path = tmp / "cut.txt"
    path.write_bytes(seed.read_bytes()[:cut])
    return path


def test_the_seed_cut_at_30000_warns_and_strict_refuses(
    capsys, seed_path, directory_path, db_url, tmp_path
):
    cut = _cut_seed(seed_path, tmp_path, 30_000)
    strict = run(capsys, "import", str(cut), "--directory", str(directory_path), "--strict")
    assert strict.code == 2
    lines = strict.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("kontrol: error: cut.txt:85, item 6.1: the decree looks cut off")
    assert lines[0].endswith("the last complete item is 6 (--strict)")
    assert _roadmaps(db_url) == 0

    lenient = run(capsys, "import", str(cut), "--directory", str(directory_path), "--json")
    assert lenient.code == 0
    data = lenient.json()
    assert data["activities"] == 32
    assert data["warnings"][0].endswith("the last complete item is 6")
    human = run(capsys, "import", str(cut), "--directory", str(directory_path))
    assert "the decree looks cut off" in human.out


@pytest.mark.parametrize("cut", [25_000, 26_000, 27_500, 29_000, 30_500, 31_000, 31_243])
def test_strict_import_of_a_cut_seed_fails_naming_the_last_complete_item(
    cut, capsys, seed_path, directory_path, db_url, tmp_path
):
    from kontrol.roadmap.reader import read_document

    path = _cut_seed(seed_path, tmp_path, cut)
    result = run(
        capsys, "import", str(path), "--directory", str(directory_path), "--strict", "--json"
    )
    if cut == len(seed_path.read_bytes()):
        assert result.code == 0 and result.json()["activities"] == 34
        return
    assert result.code == 2, result.out
    expected = last_complete(read_document(seed_path), cut)
    assert result.err.strip().endswith(f"the last complete item is {expected} (--strict)")
    assert _roadmaps(db_url) == 0
