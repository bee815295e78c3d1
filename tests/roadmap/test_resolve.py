"""Resolution of executors cells against the directory, on the seed and on what decrees write."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontrol.roadmap.directory import Directory, load_directory, load_directory_text
from kontrol.roadmap.errors import DirectoryError
from kontrol.roadmap.lemmas import lemma, lemma_variants
from kontrol.roadmap.resolve import Resolution, resolve_executors, resolve_name

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "examples" / "lenobl" / "000_e3bc991062043600.txt"
EXAMPLE = REPO / "examples" / "lenobl" / "directory.yaml"


@pytest.fixture(scope="module")
def lenobl() -> Directory:
    return load_directory(EXAMPLE)


def seed_cells() -> dict[str, str]:
    """Item number → executors cell of every activity row of the seed's plan table."""
    cells: dict[str, str] = {}
    for line in SEED.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) >= 4 and cols[0][:1].isdigit() and cols[3].strip():
            cells[cols[0].rstrip(".")] = cols[3]
    return cells


def test_seed_has_34_activity_cells() -> None:
    assert len(seed_cells()) == 34


@pytest.mark.parametrize(("item", "cell"), sorted(seed_cells().items()))
def test_every_seed_cell_resolves(item: str, cell: str, lenobl: Directory) -> None:
    result = resolve_executors(cell, lenobl)
    assert result.unresolved == (), item
    assert result.bodies and result.ok
    assert len(result.bodies) == len(set(result.bodies))


EXPECTED = {
    "1.1": ["edu-orgs"],
    "1.3": ["committee"],
    "2.2": ["committee", "loiro", "municipal-authorities", "edu-orgs"],
    "2.3": ["committee", "loiro", "vocational-edu-orgs", "higher-edu-orgs"],
    "3.1.3": ["municipal-authorities"],
    "3.2.1": ["committee", "loiro", "vocational-edu-orgs", "higher-edu-orgs", "employers"],
    "3.3.4": ["committee", "loiro", "edu-orgs"],
    "3.3.5": ["committee", "municipal-authorities", "general-edu-orgs"],
    "3.3.6": [
        "committee",
        "vocational-edu-orgs",
        "higher-edu-orgs",
        "municipal-authorities",
        "general-edu-orgs",
    ],
    "4.1": ["committee", "media", "employer-associations", "edu-orgs"],
    "5.1": ["committee", "loiro", "michurinsky"],
    "5.3": ["committee", "michurinsky", "edu-orgs"],
    "6.2": ["committee", "loiro"],
    "6.3": ["committee"],
}


@pytest.mark.parametrize(("item", "ids"), sorted(EXPECTED.items()))
def test_seed_items_resolve_exactly(item: str, ids: list[str], lenobl: Directory) -> None:
    assert resolve_executors(seed_cells()[item], lenobl) == Resolution(tuple(ids), ())


def test_seed_is_fast_once_warm(lenobl: Directory) -> None:
    cells = list(seed_cells().values())
    resolve_executors(cells[0], lenobl)
    start = time.perf_counter()
    for cell in cells:
        resolve_executors(cell, lenobl)
    assert time.perf_counter() - start < 0.5


def test_lead_is_the_first_body(lenobl: Directory) -> None:
    assert resolve_executors(seed_cells()["2.2"], lenobl).lead == "committee"
    assert resolve_executors("", lenobl) == Resolution((), ())
    assert resolve_executors("", lenobl).lead is None


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("КОМИТЕТ ОБЩЕГО И ПРОФЕССИОНАЛЬНОГО ОБРАЗОВАНИЯ ЛЕНИНГРАДСКОЙ ОБЛАСТИ", ["committee"]),
        ("комитету общего и профессионального образования ленинградской области", ["committee"]),
        ("Отделу профессионального образования", ["dept-vocational"]),
        ("образовательным организациям высшего образования", ["higher-edu-orgs"]),
        (
            "муниципальным органам, осуществляющим управление в сфере образования",
            ["municipal-authorities"],
        ),
        ("Ленинградскому областному институту развития образования", ["loiro"]),
        (
            "работодателям и общественным организациям работодателей",
            ["employers", "employer-associations"],
        ),
        ("ЛОИРО", ["loiro"]),
        ("ГАОУ ДПО «ЛОИРО»", ["loiro"]),
        ("Исполнители: комитету образования Всеволожского района", ["mo-vsevolozhsky"]),
    ],
)
def test_case_variations(text: str, ids: list[str], lenobl: Directory) -> None:
    result = resolve_executors(text, lenobl)
    expected = tuple(ids)
    if text.startswith("Исполнители"):
        assert result.bodies == expected and [u.text for u in result.unresolved] == ["Исполнители"]
    else:
        assert result == Resolution(expected, ()), result


def test_comma_inside_a_name_and_without_it(lenobl: Directory) -> None:
    for text in (
        "муниципальные органы, осуществляющие управление в сфере образования",
        "муниципальные органы осуществляющие управление в сфере образования",
        "Муниципальные органы,осуществляющие управление в сфере образования,",
    ):
        assert resolve_executors(text, lenobl).bodies == ("municipal-authorities",)


def test_longest_name_wins(lenobl: Directory) -> None:
    def ids(text: str) -> tuple[str, ...]:
        return resolve_executors(text, lenobl).bodies

    assert ids("образовательные организации высшего образования Ленинградской области") == (
        "higher-edu-orgs",
    )
    assert ids("образовательные организации Ленинградской области") == ("edu-orgs",)
    assert ids("образовательные организации") == ("edu-orgs",)
    assert ids("профессиональные образовательные организации") == ("vocational-edu-orgs",)


def test_name_and_parenthesised_alias_are_one_body(lenobl: Directory) -> None:
    text = (
        "базовый центр поддержки инклюзивного профессионального образования Ленинградской "
        "области (ГБПОУ ЛО «Мичуринский многопрофильный техникум»)"
    )
    assert resolve_executors(text, lenobl) == Resolution(("michurinsky",), ())


def test_unbalanced_quotes_trailing_commas_and_joining_words(lenobl: Directory) -> None:
    text = "«Комитет общего и профессионального образования Ленинградской области»», и ЛОИРО,,"
    assert resolve_executors(text, lenobl).bodies == ("committee", "loiro")
    text = "ЛОИРО совместно с работодателями, в том числе СМИ (по согласованию)"
    assert resolve_executors(text, lenobl) == Resolution(("loiro", "employers", "media"), ())
    text = "ЛОИРО\nОтдел общего и дополнительного образования (Винокуров М.В.)"
    assert resolve_executors(text, lenobl) == Resolution(("loiro", "dept-general"), ())


def test_unknown_name_is_reported_with_suggestions(lenobl: Directory) -> None:
    result = resolve_executors("Комитет по культуре Ленинградской области", lenobl)
    assert result.bodies == ()
    [missing] = result.unresolved
    assert missing.text == "Комитет по культуре Ленинградской области"
    assert 1 <= len(missing.suggestions) <= 3
    assert lenobl["committee"].name in missing.suggestions


def test_a_known_prefix_is_not_taken_from_an_unknown_name(lenobl: Directory) -> None:
    result = resolve_executors(
        "ЛОИРО, Комитет общего и профессионального образования Тверской области, "
        "федеральные образовательные организации",
        lenobl,
    )
    assert result.bodies == ("loiro",)
    texts = [u.text for u in result.unresolved]
    assert texts == [
        "Комитет общего и профессионального образования Тверской области",
        "федеральные образовательные организации",
    ]
    assert lenobl["committee"].name == result.unresolved[0].suggestions[0]
    assert lenobl["edu-orgs"].name in result.unresolved[1].suggestions


def test_resolve_name(lenobl: Directory) -> None:
    assert resolve_name("Отделу общего и дополнительного образования", lenobl) == "dept-general"
    assert resolve_name("отделу профессионального образования", lenobl) == "dept-vocational"
    name = "ГАОУ ДПО «Ленинградский областной институт развития образования»"
    assert resolve_name(name, lenobl) == "loiro"
    assert resolve_name("Заместитель председателя комитета", lenobl) == "deputy-chair"
    assert resolve_name("Комитет по культуре", lenobl) is None
    assert resolve_name("ЛОИРО, работодатели", lenobl) is None


def test_two_bodies_with_one_name_are_a_directory_error() -> None:
    text = """\
    version: 1
    bodies:
      - id: a
        name: Отдел образования
        kind: unit
      - id: b
        name: Сектор
        aliases: [отделу образования]
        kind: unit
    """
    directory = load_directory_text(textwrap.dedent(text), "d.yaml")
    with pytest.raises(DirectoryError, match="also a name of «a»") as info:
        resolve_executors("Сектор", directory)
    assert info.value.line == 6 and info.value.file == "d.yaml"


def test_lemmas() -> None:
    assert lemma("Отделу") == "отдел"
    assert "отдел" in lemma_variants("ОТДЕЛУ")
    assert "гаоу" in lemma_variants("ГАОУ")
    assert lemma("объёма") == lemma("объема")


def _names(directory: Directory) -> list[tuple[str, str]]:
    return [(b.id, n) for b in directory for n in b.names]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_list_of_known_names_resolves(data: st.DataObject) -> None:
    directory = load_directory(EXAMPLE)
    pairs = data.draw(st.lists(st.sampled_from(_names(directory)), min_size=1, max_size=5))
    joiners = data.draw(
        st.lists(st.sampled_from([", ", "; ", " и ", ",\n", " (", ") "]), min_size=len(pairs))
    )
    upper = data.draw(st.booleans())
    text = "".join(n + j for (_, n), j in zip(pairs, joiners, strict=False))
    text = text.upper() if upper else text
    expected = tuple(dict.fromkeys(i for i, _ in pairs))
    result = resolve_executors(text, directory)
    assert result == Resolution(expected, ()), text
