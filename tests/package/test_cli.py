"""What the package tells about itself and hands out: ``--version``, ``init``, ``example``."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from kontrol.models.db import head_revision
from tests.cli_runner import run
from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "lenobl"
FILES = ("000_e3bc991062043600.txt", "directory.yaml", "events.yaml")


def test_version_names_the_package_and_the_schema_it_needs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run(capsys, "--version")
    assert result.code == 0
    assert result.out == f"kontrol {version('kontrol')} (database schema {head_revision()})\n"


def test_init_names_the_schema_revision_of_the_database_and_the_version(
    kontrol_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "init")
    assert result.code == 0, result.err
    assert f"(schema revision {head_revision()}, kontrol {version('kontrol')})" in result.out


def test_example_copies_the_shipped_decree_directory_and_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(capsys, "example", "decree")
    assert result.code == 0, result.err
    for name in FILES:
        assert (tmp_path / "decree" / name).read_bytes() == (EXAMPLE / name).read_bytes()
    assert f"kontrol import decree/{FILES[0]} --directory decree/directory.yaml" in result.out
    again = run(capsys, "example", "decree")
    assert again.code == 0 and again.out.count("kept ") == 3


def test_example_never_overwrites_a_file_of_the_users(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "directory.yaml").write_text("мой справочник\n", encoding="utf-8")
    result = run(capsys, "example", str(tmp_path))
    assert result.code == 2
    assert f"{tmp_path / 'directory.yaml'} exists and is not the example's" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["directory.yaml"]  # nothing written
    assert (tmp_path / "directory.yaml").read_text(encoding="utf-8") == "мой справочник\n"
    missing = run(capsys, "example", str(tmp_path / "no" / "such"))
    assert missing.code == 2 and "does not exist" in missing.err
