"""Amending decrees applied to the seed: shown, applied, kept, idempotent (SQLite, PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from kontrol.issuing import obligation_occurrences
from kontrol.models import Amendment, AmendmentChange, Assignment, Item, Obligation, Roadmap
from tests.cli_runner import run
from tests.sweep.conftest import RULES, issue

pytestmark = pytest.mark.usefixtures("kontrol_env")
DATA = Path(__file__).parent / "data"
POINTS = DATA / "amendment_1302b_points.txt"


def _import(capsys, path: Path, directory: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run(capsys, "import", str(path), "--directory", str(directory), *extra)


def _counts(url: str) -> tuple[int, int, int, int]:
    with Session(create_engine(url)) as s:
        return (
            s.scalar(select(func.count()).select_from(Amendment)) or 0,
            s.scalar(select(func.count()).select_from(AmendmentChange)) or 0,
            s.scalar(select(func.count()).where(Item.withdrawn.is_(True))) or 0,
            s.scalar(select(func.count()).select_from(Item)) or 0,
        )


def _item(s: Session, number: str) -> Item:
    return s.scalars(select(Item).where(Item.number == number)).one()


def test_an_amendment_is_shown_then_applied_kept_and_not_applied_twice(
    capsys, seed_path, directory_path, db_url
):
    assert _import(capsys, seed_path, directory_path).code == 0
    [january] = issue(db_url, {"1.3": ["2021-01"]})
    with Session(create_engine(db_url)) as s:
        due_before = s.get(Assignment, january).due_on  # type: ignore[union-attr]
    before = _counts(db_url)

    shown = _import(capsys, POINTS, directory_path, "--json")
    assert shown.code == 0, shown.err
    data = shown.json()
    assert data["status"] == "differs"
    assert data["roadmap"]["number"] == "1302-б"
    assert (data["number"], data["adopted_on"]) == ("512-р", "2021-03-15")
    changes = {c["number"]: c for c in data["changes"]}
    assert [(c["number"], c["change"]) for c in data["changes"]] == [
        ("1.3", "changed"),
        ("6.4", "added"),
        ("2.3", "withdrawn"),
        ("3.3.7", "withdrawn"),
    ]
    assert changes["1.3"]["fields"] == {
        "schedule_text": {
            "old": "Ежегодно, январь 2020-2030 г.г.",
            "new": "Ежегодно, февраль 2021-2030 г.г.",
        }
    }
    assert _counts(db_url) == before  # shown, nothing written

    text = _import(capsys, POINTS, directory_path)
    assert "«Ежегодно, январь 2020-2030 г.г.» → «Ежегодно, февраль 2021-2030 г.г.»" in text.out
    assert "--apply" in text.out

    applied = _import(capsys, POINTS, directory_path, "--apply", "--json")
    assert applied.code == 0, applied.err
    assert applied.json()["status"] == "applied"
    with Session(create_engine(db_url)) as s:
        assert _item(s, "1.3").schedule_text == "Ежегодно, февраль 2021-2030 г.г."
        added = _item(s, "6.4")
        assert added.parent is not None and added.parent.number == "6"
        assert [e.body_id for e in added.executors] == ["committee"]
        assert _item(s, "2.3").withdrawn and _item(s, "3.3.7").withdrawn
        assert s.get(Assignment, january).due_on == due_before  # type: ignore[union-attr]
        ob = s.scalars(select(Obligation).join(Item).where(Item.number == "1.3")).one()
        keys = [o.key for o in obligation_occurrences(ob, RULES)]
        assert keys[0] == "2021-02" and "2022-02" in keys and "2022-01" not in keys
        assert s.scalars(select(Obligation).join(Item).where(Item.number == "6.4")).all()
        roadmap = s.scalars(select(Roadmap)).one()
        assert roadmap.state(roadmap.adopted_on) == "изменено"
    after = _counts(db_url)
    assert after[:3] == (1, 4, 2)

    again = _import(capsys, POINTS, directory_path, "--apply")
    assert again.code == 0, again.err
    assert "already applied" in again.out
    assert _counts(db_url) == after

    history = run(capsys, "amendments", "--json")
    assert history.code == 0, history.err
    [entry] = history.json()["amendments"]
    assert entry["number"] == "512-р" and entry["roadmap"]["number"] == "1302-б"
    assert [c["change"] for c in entry["changes"]] == ["changed", "added", "withdrawn", "withdrawn"]
    listed = run(capsys, "amendments", "--roadmap", "1302-б")
    assert "512-р" in listed.out and "3.3.7" in listed.out


def _full_redaction(seed: Path, tmp: Path) -> Path:
    """The amending preamble, «изложив План … в редакции согласно приложению», and the seed's
    table with section 6 dropped and item 1.2 rescheduled."""
    head, _, _ = POINTS.read_text(encoding="utf-8").partition("1. Внести")
    seed_lines = seed.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(seed_lines) if line.startswith("План мероприятий"))
    table = []
    for line in seed_lines[start:]:
        if line.startswith("6"):
            continue
        table.append(line.replace("2-4 квартал 2021 г.", "3-4 квартал 2021 г."))
    text = (
        head + "1. Внести в распоряжение комитета от 27.07.2020 № 1302-б изменение, изложив План "
        "мероприятий («дорожную карту») в редакции согласно приложению к настоящему "
        "распоряжению.\n2. Контроль за исполнением настоящего распоряжения оставляю за собой.\n\n"
        "Заместитель председателя комитета\n\nА.С. Огарков\n\nПриложение\nк распоряжению комитета"
        "\nот 15.03.2021 № 512-р\n\n" + "\n".join(table)
    )
    path = tmp / "amendment_full.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_redaction_of_the_whole_plan_withdraws_what_it_leaves_out(
    capsys, seed_path, directory_path, db_url, tmp_path
):
    assert _import(capsys, seed_path, directory_path).code == 0
    full = _full_redaction(seed_path, tmp_path)
    result = _import(capsys, full, directory_path, "--amends", "1302-б", "--yes", "--json")
    assert result.code == 0, result.err
    changes = [(c["number"], c["change"]) for c in result.json()["changes"]]
    assert changes == [
        ("1.2", "changed"),
        ("6", "withdrawn"),
        ("6.1", "withdrawn"),
        ("6.2", "withdrawn"),
        ("6.3", "withdrawn"),
    ]
    with Session(create_engine(db_url)) as s:
        assert _item(s, "1.2").schedule_text == "3-4 квартал 2021 г."
        assert _item(s, "6.1").withdrawn
        withdrawn_obligations = s.scalars(
            select(Obligation)
            .join(Item)
            .where(Item.number == "6.1", Obligation.withdrawn.is_(False))
        ).all()
        assert withdrawn_obligations == []


def test_an_amendment_of_a_roadmap_not_imported_is_one_line_and_writes_nothing(
    capsys, seed_path, directory_path, db_url, tmp_path
):
    assert _import(capsys, seed_path, directory_path).code == 0
    other = tmp_path / "other.txt"
    other.write_text(POINTS.read_text(encoding="utf-8").replace("№ 1302-б", "№ 999-р"), "utf-8")
    before = _counts(db_url)
    result = _import(capsys, other, directory_path, "--apply")
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert "999-р" in result.err and "not imported" in result.err
    mismatch = _import(capsys, other, directory_path, "--amends", "1302-б", "--apply")
    assert mismatch.code == 2
    assert len(mismatch.err.strip().splitlines()) == 1
    assert "999-р" in mismatch.err and "--amends" in mismatch.err
    assert _counts(db_url) == before


def test_under_strict_an_unknown_executor_or_an_unread_schedule_writes_nothing(
    capsys, seed_path, directory_path, db_url, tmp_path
):
    assert _import(capsys, seed_path, directory_path).code == 0
    before = _counts(db_url)
    text = POINTS.read_text(encoding="utf-8")
    unknown = tmp_path / "unknown.txt"
    unknown.write_text(text.replace("г.\tКомитет", "г.\tДепартамент чудес", 1), "utf-8")
    shown = _import(capsys, unknown, directory_path, "--json")
    assert shown.code == 0, shown.err
    [unresolved] = shown.json()["unresolved"]
    assert unresolved.startswith("item 1.3: executor «Департамент чудес")
    refused = _import(capsys, unknown, directory_path, "--strict", "--apply")
    assert refused.code == 2 and "Департамент чудес" in refused.err
    unread = tmp_path / "unread.txt"
    unread.write_text(text.replace("Декабрь 2030 г.", "когда-нибудь потом"), "utf-8")
    warned = _import(capsys, unread, directory_path, "--json")
    assert any("6.4" in w and "не распознано" in w for w in warned.json()["warnings"])
    assert _import(capsys, unread, directory_path, "--strict", "--apply").code == 2
    assert _counts(db_url) == before
