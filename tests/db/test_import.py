"""Importing the seed: faithful, resolved, idempotent, revisable — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from kontrol.models import Body, Curator, Item, ItemExecutor, Obligation, Roadmap
from tests.cli_runner import run

pytestmark = pytest.mark.usefixtures("kontrol_env")


def _import(capsys, seed: Path, directory: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run(capsys, "import", str(seed), "--directory", str(directory), "--json", *extra)


def test_seed_imports_34_activities_and_10_sections(capsys, seed_path, directory_path, db_url):
    result = _import(capsys, seed_path, directory_path, "--strict")
    assert result.code == 0, result.err
    data = result.json()
    assert data["number"] == "1302-б"
    assert data["adopted_on"] == "2020-07-27"
    assert data["horizon_year"] == 2030
    assert (data["sections"], data["activities"]) == (10, 34)
    assert data["unresolved"] == []
    assert data["status"] == "created"
    with Session(create_engine(db_url)) as s:
        roadmap = s.scalars(select(Roadmap)).one()
        assert roadmap.controller_person == "А.С. Огарков"
        assert roadmap.controller_body_id == "deputy-chair"
        assert [c.person for c in roadmap.curators] == [
            "Винокуров М.В.",
            "Голованов М.В.",
            "Ковальчук О.В.",
        ]
        assert [c.body_id for c in s.scalars(select(Curator).order_by(Curator.position))] == [
            "dept-general",
            "dept-vocational",
            "loiro",
        ]
        item = s.scalars(select(Item).where(Item.number == "1.3")).one()
        assert item.schedule_text == "Ежегодно, январь 2020-2030 г.г."
        assert item.parent is not None and item.parent.number == "1"
        assert s.scalar(select(func.count()).select_from(Obligation)) == 38


def test_lead_is_first_named_and_co_executors_follow_in_order(
    capsys, seed_path, directory_path, db_url
):
    assert _import(capsys, seed_path, directory_path).code == 0
    with Session(create_engine(db_url)) as s:
        item = s.scalars(select(Item).where(Item.number == "2.2")).one()
        rows = s.scalars(
            select(ItemExecutor)
            .where(ItemExecutor.item_id == item.id)
            .order_by(ItemExecutor.position)
        ).all()
        assert [(r.body_id, r.role) for r in rows] == [
            ("committee", "lead"),
            ("loiro", "co_executor"),
            ("municipal-authorities", "co_executor"),
            ("edu-orgs", "co_executor"),
        ]
        group = s.get(Body, "municipal-authorities")
        assert group is not None and len(group.members) == 18


def test_importing_the_same_file_twice_changes_nothing(capsys, seed_path, directory_path, db_url):
    assert _import(capsys, seed_path, directory_path).code == 0
    engine = create_engine(db_url)
    with Session(engine) as s:
        before = [(i.id, i.number, i.title) for i in s.scalars(select(Item).order_by(Item.id))]
    second = _import(capsys, seed_path, directory_path)
    assert second.code == 0
    assert second.json()["status"] == "unchanged"
    assert second.json()["changes"] == []
    with Session(engine) as s:
        after = [(i.id, i.number, i.title) for i in s.scalars(select(Item).order_by(Item.id))]
    assert before == after


def _revise(seed: Path, tmp: Path) -> Path:
    lines = seed.read_text(encoding="utf-8").split("\n")
    out = []
    for line in lines:
        if line.startswith("1.2\t"):
            line = line.replace("2-4 квартал 2021 г.", "3-4 квартал 2021 г.")
        if line.startswith("3.3.7\t"):
            continue  # removed
        out.append(line)
        if line.startswith("6.3\t"):
            out.append(
                "6.4\tПодготовка итогового доклада\tДекабрь 2030 г.\t"
                "Комитет общего и профессионального образования Ленинградской области"
            )
    revised = tmp / "revised.txt"
    revised.write_text("\n".join(out), encoding="utf-8")
    return revised


def test_a_revised_decree_prints_its_differences_and_applies_only_with_update(
    capsys, seed_path, directory_path, db_url, tmp_path
):
    assert _import(capsys, seed_path, directory_path).code == 0
    revised = _revise(seed_path, tmp_path)
    engine = create_engine(db_url)
    with Session(engine) as s:
        kept_id = s.scalars(select(Item.id).where(Item.number == "1.2")).one()

    dry = _import(capsys, revised, directory_path)
    assert dry.code == 0
    data = dry.json()
    assert data["status"] == "differs"
    changes = {c["number"]: c for c in data["changes"]}
    assert changes["1.2"]["change"] == "changed"
    assert changes["1.2"]["fields"]["schedule_text"] == {
        "old": "2-4 квартал 2021 г.",
        "new": "3-4 квартал 2021 г.",
    }
    assert changes["3.3.7"]["change"] == "removed"
    assert changes["6.4"]["change"] == "added"
    with Session(engine) as s:  # nothing applied
        assert s.scalars(select(Item.schedule_text).where(Item.number == "1.2")).one() == (
            "2-4 квартал 2021 г."
        )
        assert s.scalar(select(func.count()).select_from(Item)) == 44

    applied = _import(capsys, revised, directory_path, "--update")
    assert applied.json()["status"] == "updated"
    with Session(engine) as s:
        item = s.scalars(select(Item).where(Item.number == "1.2")).one()
        assert (item.id, item.schedule_text) == (kept_id, "3-4 квартал 2021 г.")
        numbers = set(s.scalars(select(Item.number)))
        assert "6.4" in numbers and "3.3.7" not in numbers

    human = run(capsys, "import", str(revised), "--directory", str(directory_path))
    assert "unchanged" in human.out


def test_strict_import_with_an_unknown_body_fails_and_writes_nothing(
    capsys, seed_path, directory_path, db_url, tmp_path
):
    text = seed_path.read_text(encoding="utf-8").replace(
        "6.3\tМониторинг исполнения", "6.3\tМониторинг исполнения", 1
    )
    committee = "Комитет общего и профессионального образования Ленинградской области»"
    text = text.replace(
        f"Ежегодно, 1 квартал,\t{committee}",
        "Ежегодно, 1 квартал,\tКомитет по культуре Ленинградской области",
    )
    bad = tmp_path / "unknown-body.txt"
    bad.write_text(text, encoding="utf-8")
    result = run(capsys, "import", str(bad), "--directory", str(directory_path), "--strict")
    assert result.code == 2
    assert "6.3" in result.err and "Комитет по культуре" in result.err
    with Session(create_engine(db_url)) as s:
        assert s.scalar(select(func.count()).select_from(Roadmap)) == 0

    lenient = run(capsys, "import", str(bad), "--directory", str(directory_path), "--json")
    assert lenient.code == 0
    unresolved = lenient.json()["unresolved"]
    assert unresolved[0]["item"] == "6.3"
    assert any("Комитет общего" in s for s in unresolved[0]["suggestions"])
