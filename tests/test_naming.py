"""Names people read: a body's one name, table cells that fit, run names in Russian words."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from kontrol.naming import (
    BODY_CELL,
    body_cells,
    cells,
    clip,
    cycle_run_name,
    display_name,
    period_title,
    report_run_name,
    sweep_run_name,
)


def test_a_body_goes_by_the_shorter_of_its_two_names() -> None:
    assert display_name("Ленинградский областной институт развития образования", "ЛОИРО") == "ЛОИРО"
    # the example directory carries the official, longer form as the «short» name
    long_short = "ГБПОУ ЛО «Мичуринский многопрофильный техникум»"
    assert display_name("Мичуринский многопрофильный техникум", long_short) == (
        "Мичуринский многопрофильный техникум"
    )
    assert display_name("  Отдел\nобразования ", None) == "Отдел образования"


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("ЛОИРО", "ЛОИРО"),
        ("Комитет образования Бокситогорского района", "Комитет образования Бокситогорского…"),
        # a word boundary that drops more than a quarter: the word is cut instead
        ("Комитет образования Лодейнопольского района", "Комитет образования Лодейнопольског…"),
    ],
    ids=["short", "at-a-word", "in-a-word"],
)
def test_a_cell_is_cut_with_an_ellipsis(text: str, cell: str) -> None:
    assert clip(text, BODY_CELL) == cell
    assert len(clip(text, BODY_CELL)) <= BODY_CELL


def test_names_that_would_share_a_cell_keep_their_ends() -> None:
    names = {
        "s1": "Пример: МОУ «Средняя общеобразовательная школа № 1» Бокситогорского района",
        "s3": "Пример: МОУ «Средняя общеобразовательная школа № 3» Тихвинского района",
        "a": "МОУ «Средняя общеобразовательная школа № 1»",
        "b": "МОУ «Средняя общеобразовательная школа № 3»",
        "mo": "Комитет образования Бокситогорского района",
    }
    got = cells(names)
    assert len(set(got.values())) == len(names)
    assert got["a"] == "МОУ … общеобразовательная школа № 1»"
    assert got["s3"].endswith("Тихвинского района")
    assert got["mo"] == "Комитет образования Бокситогорского…"  # no collision: cut at the end
    assert all(len(c) <= BODY_CELL for c in got.values())


def test_body_cells_cover_a_directory() -> None:
    bodies = [
        SimpleNamespace(id="loiro", name="Институт", short_name="ЛОИРО"),
        SimpleNamespace(id="x", name="Комитет образования Волховского района", short_name=None),
    ]
    assert body_cells(bodies) == {"loiro": "ЛОИРО", "x": "Комитет образования Волховского…"}


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        ((2027, 1, 1), (2027, 1, 31), "январь 2027"),
        ((2027, 1, 1), (2027, 3, 31), "I квартал 2027"),
        ((2027, 7, 1), (2027, 12, 31), "II полугодие 2027"),
        ((2027, 1, 1), (2027, 12, 31), "2027 год"),
        ((2026, 1, 1), (2027, 12, 31), "2026–2027 годы"),
        ((2020, 7, 27), (2020, 12, 31), "27.07.2020–31.12.2020"),
    ],
    ids=["month", "quarter", "half", "year", "years", "clipped"],
)
def test_a_period_reads_as_a_heading(start: tuple, end: tuple, words: str) -> None:
    assert period_title(dt.date(*start), dt.date(*end)) == words


def test_run_names() -> None:
    jan = dt.date(2027, 1, 1), dt.date(2027, 1, 31)
    assert cycle_run_name("1.3", *jan) == "1.3 · январь 2027"
    q1 = dt.date(2021, 1, 1), dt.date(2021, 3, 31)
    assert cycle_run_name("3.1.4", *q1, label="Разработка") == "3.1.4 Разработка · I квартал 2021"
    day = dt.date(2021, 12, 28), dt.date(2022, 1, 19)
    assert cycle_run_name("1.3", *day, event=True) == "1.3 · по событию 28.12.2021"
    assert sweep_run_name(dt.date(2027, 1, 20)) == "обход 20.01.2027"
    assert report_run_name(2026) == "отчёт за 2026 год"
