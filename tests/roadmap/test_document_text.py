"""The seed decree read as text: items, cells, kinds, parents and the preamble facts."""

from __future__ import annotations

import pathlib
from datetime import date

import pytest

from kontrol.roadmap.document import RoadmapDocument
from kontrol.roadmap.reader import read_document, read_document_bytes

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "lenobl" / "000_e3bc991062043600.txt"


@pytest.fixture(scope="module")
def doc() -> RoadmapDocument:
    return read_document(SEED)


def _item(doc: RoadmapDocument, number: str):
    return next(i for i in doc.items if i.number == number)


def test_counts_and_order(doc: RoadmapDocument) -> None:
    assert len(doc.activities) == 34
    assert len(doc.sections) == 10
    assert [s.number for s in doc.sections] == [
        "1", "2", "3", "3.1", "3.2", "3.3", "3.4", "4", "5", "6",
    ]  # fmt: skip
    assert doc.activities[0].number == "1.1"
    assert doc.activities[-1].number == "6.3"
    keys = [tuple(int(p) for p in i.number.split(".")) for i in doc.items]
    assert keys == sorted(keys)


def test_identity(doc: RoadmapDocument) -> None:
    assert doc.source_name == SEED.name
    assert doc.encoding == "utf-8"
    assert len(doc.sha256) == 64
    assert doc.kind == "распоряжение"
    assert doc.number == "1302-б"
    assert doc.adopted_on == date(2020, 7, 27)
    assert doc.horizon_year == 2030
    assert doc.authority == "Комитет общего и профессионального образования Ленинградской области"
    assert doc.title.startswith("Об организации работы по реализации Концепции")
    assert doc.plan_title.startswith("План мероприятий («дорожная карта»)")
    assert len(doc.points) == 4
    assert doc.warnings == ()


def test_curators_and_controller(doc: RoadmapDocument) -> None:
    assert [c.person for c in doc.curators] == [
        "Винокуров М.В.",
        "Голованов М.В.",
        "Ковальчук О.В.",
    ]
    assert doc.curators[0].unit == "отдел общего и дополнительного образования"
    assert doc.curators[1].unit == "отдел профессионального образования"
    assert doc.curators[2].unit.startswith("ГАОУ ДПО «Ленинградский областной институт")
    assert doc.controller is not None
    assert doc.controller.position == "Заместитель председателя комитета"
    assert doc.controller.person == "А.С. Огарков"


@pytest.mark.parametrize(
    ("number", "ending"),
    [
        ("2.1", "Подготовка методических рекомендаций по итогам анализа"),
        ("3.1.2", "обучающимися"),
        ("3.2.2", "обучающихся"),
        ("5.2", "лицами с ОВЗ, в том числе инвалидами"),
    ],
)
def test_continuation_lines_join_the_previous_row(
    doc: RoadmapDocument, number: str, ending: str
) -> None:
    assert _item(doc, number).title.endswith(ending)


def test_lines_list_every_contributing_line(doc: RoadmapDocument) -> None:
    assert _item(doc, "2.1").lines == (36, 38)
    assert _item(doc, "5.2").lines == (76, 78)
    assert _item(doc, "1.1").lines == (32,)


def test_exact_cells(doc: RoadmapDocument) -> None:
    assert _item(doc, "1.3").schedule_text == "Ежегодно, январь 2020-2030 г.г."
    assert _item(doc, "6.3").schedule_text == "Ежегодно, 1 квартал,"
    assert _item(doc, "3.1.1").schedule_text == (
        "Создание: 4 квартал 2020 г. Организация работы: постоянно"
    )
    assert _item(doc, "6.3").executors_text == (
        "Комитет общего и профессионального образования Ленинградской области»"
    )
    assert _item(doc, "1.1").executors_text == "Образовательные организации Ленинградской области"
    for item in doc.activities:
        assert item.schedule_text and item.executors_text
    for item in doc.sections:
        assert item.schedule_text == item.executors_text == ""


def test_section_numbers_and_parents(doc: RoadmapDocument) -> None:
    assert _item(doc, "3").title.startswith("Формирование региональной модели")
    assert _item(doc, "1").title.startswith("Нормативно-правовое обеспечение")
    assert _item(doc, "3.2").parent == "3"
    assert _item(doc, "3.1.1").parent == "3.1"
    assert _item(doc, "1.1").parent == "1"
    assert _item(doc, "1").parent is None


def test_html_cell_keeps_the_list(doc: RoadmapDocument) -> None:
    lines = _item(doc, "5.2").title.split("\n")
    assert lines[0].startswith("Реализация мер, направленных")
    assert "<" not in _item(doc, "5.2").title
    entries = [x for x in lines if x.startswith("– ")]
    assert len(entries) == 5
    assert entries[0].startswith("– создание регионального банка профессиональных")


def test_cp1251_is_detected() -> None:
    data = SEED.read_text(encoding="utf-8").encode("cp1251", errors="replace")
    doc = read_document_bytes(data, "seed-1251.txt")
    assert doc.encoding == "cp1251"
    assert len(doc.activities) == 34


def test_bom_and_crlf() -> None:
    data = b"\xef\xbb\xbf" + SEED.read_text(encoding="utf-8").replace("\n", "\r\n").encode()
    doc = read_document_bytes(data, "seed.txt")
    assert doc.encoding == "utf-8-sig"
    assert _item(doc, "6.3").schedule_text == "Ежегодно, 1 квартал,"


def test_other_header_wording_and_order() -> None:
    text = SEED.read_text(encoding="utf-8").split("\n")
    header = "№\tСрок исполнения\tНаименование мероприятия\tОтветственный исполнитель"
    rows = []
    for line in text[30:]:
        cells = line.split("\t")
        if len(cells) == 4:
            cells = [cells[0], cells[2], cells[1], cells[3]]
        rows.append("\t".join(cells))
    doc = read_document_bytes("\n".join([*text[:29], header, *rows]).encode(), "reordered.txt")
    assert len(doc.activities) == 34
    assert _item(doc, "1.3").schedule_text == "Ежегодно, январь 2020-2030 г.г."
    assert _item(doc, "3.1.2").title.endswith("обучающимися")
