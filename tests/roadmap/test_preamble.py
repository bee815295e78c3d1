"""The decree's preamble in other regions' wordings."""

from __future__ import annotations

from datetime import date

import pytest

from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.preamble import parse_preamble

OTHER_TEXT = """МИНИСТЕРСТВО ОБРАЗОВАНИЯ И НАУКИ
РЕСПУБЛИКИ САХА (ЯКУТИЯ)

П Р И К А З

от 15.03.2021 № 01-03/456

Об утверждении плана мероприятий на 2021-2025 годы

1. Утвердить прилагаемый план.
2. Поручить отделу общего образования (Петров П.П.) обеспечить исполнение.
3. Контроль за исполнением настоящего приказа возложить на первого заместителя министра Иванова И.И.

Министр\t\tА.Б. Сидоров
"""
OTHER = OTHER_TEXT.split("\n")


def test_seed_style_date_in_quotes() -> None:
    lines = ["РАСПОРЯЖЕНИЕ", '"27" июля 2020 года № 1302-б', "Об организации работы"]
    preamble = parse_preamble(lines, file="x.txt")
    assert preamble.adopted_on == date(2020, 7, 27)
    assert preamble.number == "1302-б"
    assert preamble.kind == "распоряжение"
    assert preamble.title == "Об организации работы"


def test_other_region() -> None:
    preamble = parse_preamble(OTHER, file="yakutia.txt")
    assert preamble.kind == "приказ"
    assert preamble.number == "01-03/456"
    assert preamble.adopted_on == date(2021, 3, 15)
    assert preamble.authority == "Министерство образования и науки Республики Саха (Якутия)"
    assert preamble.title == "Об утверждении плана мероприятий на 2021-2025 годы"
    assert preamble.horizon_year == 2025
    assert len(preamble.points) == 3
    assert preamble.curators[0].unit == "отдел общего образования"
    assert preamble.curators[0].person == "Петров П.П."
    assert preamble.controller is not None
    assert preamble.controller.position == "Первый заместитель министра"
    assert preamble.controller.person == "Иванов И.И."


def test_word_date_with_g() -> None:
    lines = ["ПОСТАНОВЛЕНИЕ", "от 27 июля 2020 г. N 512", "О плане до 2030 года"]
    preamble = parse_preamble(lines, file="x.txt")
    assert preamble.adopted_on == date(2020, 7, 27)
    assert preamble.number == "512"
    assert preamble.horizon_year == 2030


def test_missing_parts_are_warnings() -> None:
    preamble = parse_preamble(["от 01.02.2021 № 7"], file="x.txt")
    assert preamble.kind == ""
    assert preamble.controller is None
    assert preamble.curators == ()
    assert preamble.warnings


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["РАСПОРЯЖЕНИЕ", "№ 5", "Об этом"], "date"),
        (["РАСПОРЯЖЕНИЕ", "от 01.02.2021", "Об этом"], "number"),
        (["РАСПОРЯЖЕНИЕ", "от 31.02.2021 № 5"], "not a real date"),
    ],
)
def test_missing_number_or_date_is_an_error(lines: list[str], message: str) -> None:
    with pytest.raises(DocumentError, match=message) as info:
        parse_preamble(lines, file="x.txt")
    assert info.value.file == "x.txt"


@pytest.mark.parametrize(
    ("heading", "authority"),
    [
        (
            ["АДМИНИСТРАЦИЯ ГОРОДСКОГО ОКРУГА ГОРОД МАНТУРОВО", "КОСТРОМСКОЙ ОБЛАСТИ"],
            "Администрация городского округа город Мантурово Костромской области",
        ),
        (
            ["АДМИНИСТРАЦИЯ МУНИЦИПАЛЬНОГО РАЙОНА «ГОРОД КИРОВ И КИРОВСКИЙ РАЙОН»"],
            "Администрация муниципального района «Город Киров и Кировский район»",
        ),
        (["АДМИНИСТРАЦИЯ ГОРОДА РОСТОВА-НА-ДОНУ"], "Администрация города Ростова-на-Дону"),
        (["ПРАВИТЕЛЬСТВО ЧЕЧЕНСКОЙ РЕСПУБЛИКИ"], "Правительство Чеченской Республики"),
        (["ПРАВИТЕЛЬСТВО РЕСПУБЛИКИ ТЫВА"], "Правительство Республики Тыва"),
        (
            ["АДМИНИСТРАЦИЯ ЛЮБИМСКОГО МУНИЦИПАЛЬНОГО РАЙОНА", "ЯРОСЛАВСКОЙ ОБЛАСТИ"],
            "Администрация Любимского муниципального района Ярославской области",
        ),
    ],
)
def test_authority_of_municipal_and_republic_headings(heading: list[str], authority: str) -> None:
    """The issuer is part of a roadmap's identity: its name is written as the body writes it."""
    preamble = parse_preamble([*heading, "ПОСТАНОВЛЕНИЕ", "от 12.05.2011 № 306"], file="x.txt")
    assert preamble.authority == authority


def test_a_span_before_adoption_is_no_horizon() -> None:
    """«… годовщины победы в великой отечественной войне 1941 — 1945 годов» (2008)."""
    lines = [
        "ПОСТАНОВЛЕНИЕ",
        "от 28.04.2008 № 717",
        "План мероприятий по проведению празднования 63-й годовщины победы в великой "
        "отечественной войне 1941 — 1945 годов",
    ]
    preamble = parse_preamble(lines, file="x.txt")
    assert preamble.horizon_year is None
    later = [*lines[:2], "Об утверждении плана на 2008 - 2010 годы", *lines[2:]]
    assert parse_preamble(later, file="x.txt").horizon_year == 2010
