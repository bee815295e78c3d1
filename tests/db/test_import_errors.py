"""Bad input: one clear message naming the file and place, exit code 2, the database untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.orm import Session

from kontrol.models import Body, Roadmap
from tests.cli_runner import run

pytestmark = pytest.mark.usefixtures("kontrol_env")


def _counts(db_url: str) -> tuple[int, int]:
    engine = create_engine(db_url)
    if not inspect(engine).has_table("roadmaps"):
        return (0, 0)
    with Session(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(Roadmap)) or 0,
            s.scalar(select(func.count()).select_from(Body)) or 0,
        )


def _bad_seed(seed: Path, tmp: Path, name: str, edit) -> Path:  # type: ignore[no-untyped-def]
    path = tmp / name
    path.write_text(edit(seed.read_text(encoding="utf-8")), encoding="utf-8")
    return path


CASES = {
    "empty": (lambda s: "", "empty"),
    "duplicate item": (
        lambda s: s.replace(
            "1.3\tРазработка и утверждение ежегодного", "1.2\tРазработка и утверждение ежегодного"
        ),
        "1.2",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_decree_is_refused_and_nothing_is_written(
    case, capsys, seed_path, directory_path, db_url, tmp_path
):
    edit, needle = CASES[case]
    bad = _bad_seed(seed_path, tmp_path, "bad.txt", edit)
    result = run(capsys, "import", str(bad), "--directory", str(directory_path))
    assert result.code == 2
    assert "bad.txt" in result.err and needle in result.err
    assert "Traceback" not in result.err
    assert _counts(db_url) == (0, 0)


def test_binary_file_is_refused(capsys, directory_path, db_url, tmp_path):
    bad = tmp_path / "scan.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    result = run(capsys, "import", str(bad), "--directory", str(directory_path))
    assert result.code == 2 and "scan.txt" in result.err
    assert _counts(db_url) == (0, 0)


def test_docx_without_a_table_is_refused(capsys, directory_path, db_url, tmp_path):
    import docx

    doc = docx.Document()
    doc.add_paragraph("РАСПОРЯЖЕНИЕ")
    doc.add_paragraph("«27» июля 2020 года № 1302-б")
    path = tmp_path / "no-table.docx"
    doc.save(str(path))
    result = run(capsys, "import", str(path), "--directory", str(directory_path))
    assert result.code == 2 and "no-table.docx" in result.err
    assert _counts(db_url) == (0, 0)


@pytest.mark.parametrize(
    ("yaml_text", "needle"),
    [
        ("version: 1\nbodies:\n  - id: a\n    name: [unclosed\n", "syntax"),
        (
            "version: 1\nbodies:\n  - id: a\n    name: A\n    kind: committee\n"
            "    escalates_to: nobody\n",
            "nobody",
        ),
    ],
    ids=["syntax", "unknown-escalation"],
)
def test_bad_directory_is_refused_and_nothing_is_written(
    yaml_text, needle, capsys, seed_path, db_url, tmp_path
):
    directory = tmp_path / "directory.yaml"
    directory.write_text(yaml_text, encoding="utf-8")
    result = run(capsys, "import", str(seed_path), "--directory", str(directory))
    assert result.code == 2
    assert "directory.yaml" in result.err and needle in result.err
    assert _counts(db_url) == (0, 0)
    check = run(capsys, "bodies", "check", "--directory", str(directory))
    assert check.code == 2 and needle in check.err


def test_bodies_check_passes_for_the_example_directory(capsys, seed_path, directory_path):
    assert run(capsys, "import", str(seed_path), "--directory", str(directory_path)).code == 0
    result = run(capsys, "bodies", "check", "--directory", str(directory_path), "--json")
    assert result.code == 0
    data = result.json()
    assert data["items_checked"] == 34 and data["unresolved"] == []


def test_import_without_a_directory_says_how_to_give_one(capsys, seed_path):
    result = run(capsys, "import", str(seed_path))
    assert result.code == 2 and "directory" in result.err
