"""`kontrol import` of the seed as PDF and HTML: the same decree as the text, by content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.orm import Session

from kontrol.models import Item, Obligation, Roadmap
from tests.cli_runner import run
from tests.roadmap.pdf_writer import pages_pdf

pytestmark = pytest.mark.usefixtures("kontrol_env")
DATA = Path(__file__).resolve().parents[1] / "roadmap" / "data" / "formats"


def _import(capsys, path: Path, directory: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run(capsys, "import", str(path), "--directory", str(directory), "--json", *extra)


def _rows(db_url: str) -> list[tuple[str, str, str, str, str]]:
    with Session(create_engine(db_url)) as s:
        items = s.scalars(select(Item).order_by(Item.number)).all()
        return [(i.number, i.kind, i.title, i.schedule_text, i.executors_text) for i in items]


@pytest.mark.parametrize("kind", ["pdf", "html"])
def test_the_seed_as_pdf_or_html_imports_as_the_text(
    kind, capsys, seed_path, directory_path, db_url, tmp_path
):
    misnamed = tmp_path / "decree.doc"  # the name says .doc: the content decides
    shutil.copy(DATA / f"seed.{kind}", misnamed)
    result = _import(capsys, misnamed, directory_path, "--strict")
    assert result.code == 0, result.err
    data = result.json()
    assert (data["sections"], data["activities"]) == (10, 34)
    assert data["unresolved"] == []
    with Session(create_engine(db_url)) as s:
        assert s.scalar(select(func.count()).select_from(Obligation)) == 38
    ours = _rows(db_url)
    again = _import(capsys, seed_path, directory_path, "--update")
    assert again.code == 0, again.err
    assert again.json()["changes"] == []
    assert _rows(db_url) == ours


def test_a_scanned_pdf_is_refused_and_nothing_is_written(capsys, directory_path, db_url, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pages_pdf(1, b"x\x9c\x03\x00\x00\x00\x00\x01"))
    result = run(capsys, "import", str(scan), "--directory", str(directory_path))
    assert result.code == 2
    assert "scan.pdf" in result.err and "OCR" in result.err
    assert result.err.strip().count("\n") == 0
    engine = create_engine(db_url)
    if inspect(engine).has_table("roadmaps"):
        with Session(engine) as s:
            assert s.scalar(select(func.count()).select_from(Roadmap)) == 0
