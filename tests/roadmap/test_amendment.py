"""Reading amending decrees: the target, the genre's instructions, the row fragments."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from kontrol.roadmap.amendment import find_target, instructions_in, is_amending_title
from kontrol.roadmap.amendment_reader import read_amendment, read_amendment_bytes
from kontrol.roadmap.errors import DocumentError

POINTS = Path(__file__).resolve().parents[1] / "db" / "data" / "amendment_1302b_points.txt"


def test_the_points_amendment_names_its_target_and_three_changes() -> None:
    doc = read_amendment(POINTS)
    assert (doc.kind, doc.number, doc.adopted_on) == ("распоряжение", "512-р", dt.date(2021, 3, 15))
    assert (doc.target_number, doc.target_date) == ("1302-б", dt.date(2020, 7, 27))
    assert [(i.action, i.numbers) for i in doc.instructions] == [
        ("replace", ("1.3",)),
        ("add", ("6.4",)),
        ("withdraw", ("2.3", "3.3.7")),
    ]
    replaced = doc.instructions[0].items[0]
    assert replaced.schedule_text == "Ежегодно, февраль 2021-2030 г.г."
    assert replaced.kind == "activity"
    assert doc.new_plan is None


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Пункт 1.3 изложить в следующей редакции:", [("replace", ("1.3",))]),
        ("строку 2.1 плана мероприятий изложить в новой редакции:", [("replace", ("2.1",))]),
        ("Дополнить пунктами 6.4, 6.5 следующего содержания:", [("add", ("6.4", "6.5"))]),
        ("пункты 2.1, 2.3 признать утратившими силу;", [("withdraw", ("2.1", "2.3"))]),
        ("исключить пункт 5.2.", [("withdraw", ("5.2",))]),
        ("пункт 3.3.7 считать утратившим силу", [("withdraw", ("3.3.7",))]),
    ],
)
def test_the_genres_instructions(words: str, expected: list[tuple[str, tuple[str, ...]]]) -> None:
    found, full = instructions_in(words, 1)
    assert [(i.action, i.numbers) for i in found] == expected
    assert not full


@pytest.mark.parametrize(
    "words",
    [
        "План мероприятий («дорожную карту») изложить в новой редакции согласно приложению.",
        "Внести в распоряжение … изменение, изложив План мероприятий («дорожную карту») "
        "в редакции согласно приложению к настоящему распоряжению.",
        "приложение (план мероприятий) изложить в следующей редакции (прилагается).",
    ],
)
def test_a_whole_new_redaction(words: str) -> None:
    found, full = instructions_in(words, 1)
    assert found == [] and full


def test_the_target_in_either_order_and_wording() -> None:
    assert find_target(["О внесении изменений в распоряжение от «27» июля 2020 года № 1302-б"]) == (
        "1302-б",
        dt.date(2020, 7, 27),
    )
    assert find_target(["в приказ № 45-о от 01.02.2019 «Об …»"]) == ("45-о", dt.date(2019, 2, 1))
    assert find_target(["Об утверждении плана"]) is None
    assert is_amending_title("О внесении изменения в распоряжение …")
    assert not is_amending_title("Об организации работы")


def test_a_fragment_with_its_header_and_a_continuation_row() -> None:
    text = POINTS.read_text(encoding="utf-8").replace(
        "1.1. Пункт 1.3 изложить в следующей редакции:\n",
        "1.1. Пункт 1.3 изложить в следующей редакции:\n"
        "№ п/п\tНаименование мероприятия\tСроки реализации\tОтветственные исполнители\n",
    )
    text = text.replace(
        "Ленинградской области\tЕжегодно, февраль",
        "Ленинградской области\n\t(с учетом предложений)\tЕжегодно, февраль",
        1,
    )
    doc = read_amendment_bytes(text.encode(), "a.txt")
    item = doc.instructions[0].items[0]
    assert item.title.endswith("Ленинградской области (с учетом предложений)")
    assert item.schedule_text == "Ежегодно, февраль 2021-2030 г.г."


def test_rows_that_do_not_match_the_instruction_are_refused() -> None:
    text = POINTS.read_text(encoding="utf-8").replace("Пункт 1.3 изложить", "Пункт 1.4 изложить")
    with pytest.raises(DocumentError, match=r"numbered 1\.3, but it names 1\.4"):
        read_amendment_bytes(text.encode(), "a.txt")


def test_an_instruction_without_its_rows_is_refused() -> None:
    text = POINTS.read_text(encoding="utf-8")
    text = "\n".join(line for line in text.split("\n") if not line.startswith("6.4\t"))
    with pytest.raises(DocumentError, match="not followed by its new row"):
        read_amendment_bytes(text.encode(), "a.txt")


def test_a_plan_is_not_an_amendment(seed_path: Path) -> None:
    with pytest.raises(DocumentError, match="not an amending decree"):
        read_amendment(seed_path)


def _as_docx(text: str) -> bytes:
    """The text amendment as Word: paragraphs, and each run of tab-separated rows a table."""
    from docx import Document

    document = Document()
    table = None
    for line in text.split("\n"):
        if "\t" not in line:
            table = None
            document.add_paragraph(line)
            continue
        cells = line.split("\t")
        if table is None:
            table = document.add_table(rows=0, cols=len(cells))
        for cell, value in zip(table.add_row().cells, cells, strict=True):
            cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_the_same_amendment_as_docx_reads_the_same() -> None:
    text = POINTS.read_text(encoding="utf-8")
    from_text = read_amendment(POINTS)
    from_docx = read_amendment_bytes(_as_docx(text), "amendment.docx")
    assert (from_docx.number, from_docx.target_number) == ("512-р", "1302-б")
    assert from_docx.title == from_text.title
    assert [(i.action, i.numbers) for i in from_docx.instructions] == [
        (i.action, i.numbers) for i in from_text.instructions
    ]
    assert [
        (s.number, s.title, s.schedule_text, s.executors_text)
        for i in from_docx.instructions
        for s in i.items
    ] == [
        (s.number, s.title, s.schedule_text, s.executors_text)
        for i in from_text.instructions
        for s in i.items
    ]
