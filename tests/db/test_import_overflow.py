"""Values a hostile decree can make longer than the database keeps: refused or left out with a
warning, the same on SQLite (which would store them) and PostgreSQL (which would fail with a
traceback instead of a message)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.orm import Session

from kontrol.models import Curator, Item, Obligation, Roadmap
from tests.cli_runner import run

pytestmark = pytest.mark.usefixtures("kontrol_env")


def _write(seed: Path, tmp: Path, old: str, new: str, encoding: str = "utf-8") -> Path:
    text = seed.read_text(encoding="utf-8")
    assert old in text
    path = tmp / "decree.txt"
    path.write_bytes(text.replace(old, new, 1).encode(encoding))
    return path


def _count(db_url: str, model: type) -> int:
    engine = create_engine(db_url)
    try:
        if not inspect(engine).has_table("roadmaps"):
            return 0
        with Session(engine) as s:
            return s.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


def _import(capsys, path: Path, directory: Path):  # type: ignore[no-untyped-def]
    return run(capsys, "import", str(path), "--directory", str(directory), "--json")


@pytest.mark.parametrize(
    ("old", "new", "encoding", "needle"),
    [
        ("№ 1302-б", "№ 1302-" + "б" * 100, "utf-8", "number is 105 characters long"),
        ("Ежегодно, 1 квартал,", "Ежегодно, 1 квартал,\x00", "utf-16", "NUL characters"),
    ],
    ids=["decree-number", "nul-in-utf16"],
)
def test_refused_with_one_line_and_nothing_written(
    old, new, encoding, needle, capsys, seed_path, directory_path, db_url, tmp_path
):
    path = _write(seed_path, tmp_path, old, new, encoding)
    result = _import(capsys, path, directory_path)
    assert result.code == 2, result.err
    assert result.err.startswith("kontrol: error: decree.txt") and needle in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert _count(db_url, Roadmap) == 0


def test_a_too_deep_item_number_is_no_item(capsys, seed_path, directory_path, db_url, tmp_path):
    deep = "1.3" + ".1" * 19
    path = _write(seed_path, tmp_path, "\n1.3\t", f"\n{deep}\t")
    result = _import(capsys, path, directory_path)
    assert result.code == 0, result.err
    assert any(
        f"line outside the plan rows ignored: «{deep}" in w for w in result.json()["warnings"]
    )
    assert _count(db_url, Item) == 43


def test_a_too_long_controller_is_not_recorded(capsys, seed_path, directory_path, db_url, tmp_path):
    path = _write(
        seed_path,
        tmp_path,
        "4. Контроль за исполнением настоящего распоряжения оставляю за собой.",
        "4. Контроль за исполнением настоящего распоряжения возложить на "
        + "заместителя председателя комитета " * 12,
    )
    result = _import(capsys, path, directory_path)
    assert result.code == 0, result.err
    assert "the controller's position is too long to be one" in " ".join(result.json()["warnings"])
    engine = create_engine(db_url)
    with Session(engine) as s:
        assert s.scalars(select(Roadmap.controller_position)).one() is None
    engine.dispose()


def test_a_too_long_phase_label_is_a_schedule_warning(
    capsys, seed_path, directory_path, db_url, tmp_path
):
    label = "Р" + "а" * 300
    path = _write(
        seed_path, tmp_path, "Разработка: 1 полугодие 2020 г.", f"{label}: 1 полугодие 2020 г."
    )
    result = _import(capsys, path, directory_path)
    assert result.code == 0, result.err
    assert any(
        "item 6.1" in w and "a phase label of 301 characters is too long" in w
        for w in result.json()["warnings"]
    )
    assert _count(db_url, Obligation) == 36  # 6.1's two phases are not scheduled


def test_a_too_long_surname_is_no_person(capsys, seed_path, directory_path, db_url, tmp_path):
    path = _write(seed_path, tmp_path, "(Голованов М.В.)", "(Голованов" + "о" * 300 + " М.В.)")
    result = _import(capsys, path, directory_path)
    assert result.code == 0, result.err
    engine = create_engine(db_url)
    with Session(engine) as s:
        persons = s.scalars(select(Curator.person).order_by(Curator.position)).all()
    engine.dispose()
    assert persons == ["Винокуров М.В.", "Ковальчук О.В."]
