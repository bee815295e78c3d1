"""The real plans of other issuers in examples/portfolio/ import strictly, next to the seed.

Each example's README says what its decree holds; this test keeps the files and the READMEs
honest: counts, a few exact rows, every executor resolved, every schedule phrase understood,
and all of them side by side with the seed in one database (SQLite and PostgreSQL).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from kontrol.models import Item, ItemExecutor, Obligation, Roadmap
from tests.cli_runner import run

pytestmark = pytest.mark.usefixtures("kontrol_env")

PORTFOLIO = Path(__file__).resolve().parents[2] / "examples" / "portfolio"

# name → (decree file, kind, number, adopted on, activities, {item: (schedule, [body ids])},
#          the obligation kinds of every item in order: a schedule understood makes one)
EXAMPLES = {
    "manturovo": (
        "306_2011-05-12.txt", "постановление", "306", "2011-05-12", 4,
        {
            "1": ("ежегодно до 1 июня", ["manturovo-admin"]),
            "3": ("ежегодно", ["manturovo-admin"]),
            "4": ("ежегодно до 10 июня", ["manturovo-admin"]),
        },
        ["recurring"] * 4,
    ),
    "lyubim": (
        "387_2010-04-05.txt", "постановление", "387", "2010-04-05", 3,
        {
            "1": ("До 20.04", ["lyubim-kchs-chair"]),
            "2": ("До 10.05", ["lyubim-ops8", "lyubim-vmr"]),
            "3": ("Весь пожароопасный период", ["lyubim-lesokombinat", "lyubim-settlement-heads"]),
        },
        ["recurring"] * 3,
    ),
    "gryazi": (
        "716_2013-04-10.txt", "постановление", "716", "2013-04-10", 2,
        {
            "1": ("апрель 2013 года", ["gryazi-go-chs"]),
            "2": ("до 1 мая 2013 года", ["gryazi-settlements"]),
        },
        ["once", "once"],
    ),
    "vladimir": (
        "637_2004-12-03.txt", "постановление", "637", "2004-12-03", 8,
        {
            "1": ("до 13.12.2004", ["vladimir-stanchev"]),
            "2": ("до 09.12.2004", ["vladimir-municipalities"]),
            "6": ("23.12.2004", ["vladimir-municipalities"]),
            "8": ("до 17.12.2004", ["vladimir-paevskaya"]),
        },
        ["once"] * 8,
    ),
    "penza": (
        "1074_2007-11-27.txt", "постановление", "1074", "2007-11-27", 7,
        {
            "1": ("01.11.2007", ["penza-serdechny"]),
            "5": ("30.11.2007 01.12.2007", ["penza-serdechny", "penza-temyasheva"]),
            "7": ("До 30.11.2007", ["penza-serdechny"]),
        },
        ["once"] * 7,
    ),
    "ruzaevka": (
        "717_2008-04-28.txt", "постановление", "717", "2008-04-28", 5,
        {
            "2": ("До 29 апреля", ["ruzaevka-zobnin"]),
            "5": (
                "До 9 мая",
                [
                    "ruzaevka-marchkov", "ruzaevka-zobnin", "ruzaevka-settlement-admin-heads",
                    "ruzaevka-settlement-heads",
                ],
            ),
        },
        ["recurring"] * 5,
    ),
}  # fmt: skip

# the issuer, as the heading names it: with the number and the date, the roadmap's identity
AUTHORITIES = {
    "manturovo": "Администрация городского округа город Мантурово Костромской области",
    "lyubim": "Администрация Любимского муниципального района Ярославской области",
    "gryazi": "Администрация Грязинского муниципального района Липецкой области",
    "vladimir": "Губернатор Владимирской области",
    "penza": "Администрация города Пензы",
    "ruzaevka": "Администрация Рузаевского муниципального района Республики Мордовия",
}


def _import(capsys: pytest.CaptureFixture[str], name: str) -> dict:  # type: ignore[type-arg]
    folder = PORTFOLIO / name
    decree = folder / EXAMPLES[name][0]
    result = run(
        capsys, "import", str(decree), "--directory", str(folder / "directory.yaml"),
        "--strict", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    data: dict = result.json()  # type: ignore[type-arg]
    return data


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_imports_strictly_as_its_readme_says(
    capsys: pytest.CaptureFixture[str], db_url: str, name: str
) -> None:
    _file, kind, number, adopted_on, activities, rows, _kinds = EXAMPLES[name]
    data = _import(capsys, name)
    assert (data["kind"], data["number"], data["adopted_on"]) == (kind, number, adopted_on)
    assert data["activities"] == activities
    assert data["unresolved"] == []
    assert not [w for w in data["warnings"] if "schedule" in w.lower()]
    with Session(create_engine(db_url)) as s:
        assert s.scalars(select(Roadmap.authority)).one() == AUTHORITIES[name]
        items = {i.number: i for i in s.scalars(select(Item).where(Item.kind == "activity"))}
        assert len(items) == activities
        for number, (schedule, bodies) in rows.items():
            item = items[number]
            assert item.schedule_text == schedule
            executors = s.scalars(
                select(ItemExecutor.body_id)
                .where(ItemExecutor.item_id == item.id)
                .order_by(ItemExecutor.position)
            ).all()
            assert list(executors) == bodies


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_schedule_phrase_makes_its_obligation(
    capsys: pytest.CaptureFixture[str], db_url: str, name: str
) -> None:
    _import(capsys, name)
    with Session(create_engine(db_url)) as s:
        kinds = s.scalars(
            select(Obligation.kind).join(Item).order_by(Item.id, Obligation.phase_index)
        ).all()
    assert list(kinds) == EXAMPLES[name][-1]


def test_examples_and_the_seed_share_one_database(
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    seed_path: Path,
    directory_path: Path,
) -> None:
    seed = run(capsys, "import", str(seed_path), "--directory", str(directory_path), "--json")
    assert seed.code == 0, seed.err
    for name in sorted(EXAMPLES):
        _import(capsys, name)
    with Session(create_engine(db_url)) as s:
        stored = {(r.kind, r.number) for r in s.scalars(select(Roadmap))}
    assert stored == {("распоряжение", "1302-б")} | {
        (kind, number) for _f, kind, number, *_ in EXAMPLES.values()
    }
