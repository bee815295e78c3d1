"""A decree cut off anywhere is reported, naming its last complete item; a whole one is not.

The seed is cut at many byte offsets; each cut must give all 34 activities or a truncation
naming exactly the last item whose row is wholly in the file.  The only silence allowed is a cut
right after a line break, where the file is indistinguishable from a plan that ends there.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re

import pytest

from kontrol.roadmap.document import RoadmapDocument
from kontrol.roadmap.reader import read_document_bytes
from tests.roadmap.test_document_docx import build_docx

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "lenobl" / "000_e3bc991062043600.txt"
SEED_BYTES = SEED.read_bytes()
SEED_TEXT = SEED_BYTES.decode("utf-8")
LAST_COMPLETE_RE = re.compile(r"the last complete item is (\S+)$")


@pytest.fixture(scope="module")
def whole() -> RoadmapDocument:
    return read_document_bytes(SEED_BYTES, "seed.txt")


def _line_ends(data: bytes) -> list[int]:
    """Byte offset where each line's text ends (line i is ``ends[i - 1]``)."""
    ends, offset = [], 0
    for line in data.split(b"\n"):
        offset += len(line)
        ends.append(offset)
        offset += 1
    return ends


def last_complete(whole: RoadmapDocument, cut: int) -> str | None:
    """The last item whose every line is wholly within the first ``cut`` bytes."""
    ends = _line_ends(SEED_BYTES)
    done = [i.number for i in whole.items if ends[i.lines[-1] - 1] <= cut]
    return done[-1] if done else None


def named(document: RoadmapDocument) -> str | None:
    """The last complete item the truncation warning names (it must be the first warning)."""
    truncation = getattr(document, "truncation", None)
    assert truncation is not None, "the cut went unreported"
    assert document.warnings[0] == truncation
    match = LAST_COMPLETE_RE.search(truncation)
    return match[1] if match else None


def _cut(cut: int) -> RoadmapDocument:
    return read_document_bytes(SEED_BYTES[:cut], "cut.txt")


@pytest.mark.parametrize("cut", [*range(25_000, len(SEED_BYTES), 500), 30_000])
def test_every_500_bytes_from_25000_is_whole_or_names_the_last_complete_item(
    cut: int, whole: RoadmapDocument
) -> None:
    document = _cut(cut)
    assert len(document.activities) < 34
    assert named(document) == last_complete(whole, cut), f"cut at {cut}"
    assert document.warnings[0].startswith("cut.txt:")


def test_the_issue_s_cut_at_30000_names_6() -> None:
    document = _cut(30_000)
    assert len(document.activities) == 32
    assert document.truncation == (
        "cut.txt:85, item 6.1: the decree looks cut off (the file ends inside item 6.1 without "
        "a line break and its last word «образован» is only the beginning of «образование»); "
        "the last complete item is 6"
    )


def test_every_97_bytes_of_the_plan(whole: RoadmapDocument) -> None:
    """Denser, over the whole table: never wrong, and silent only where a file cut there is
    indistinguishable from a whole one: right after a line break, or right after a whole entry
    of the last cell (the next byte would have been «,» or a line break)."""
    silent = []
    for cut in range(3_700, len(SEED_BYTES) + 1, 97):
        document = _cut(cut)
        if getattr(document, "truncation", None) is None:
            if len(document.activities) < 34:
                ends_whole = SEED_BYTES[cut - 1 : cut] == b"\n" or SEED_BYTES[cut : cut + 1] in (
                    b",",
                    b"\n",
                )
                assert ends_whole, f"cut at {cut}: silent with fewer items"
                silent.append(cut)
            continue
        assert named(document) == last_complete(whole, cut), cut
    assert len(silent) <= 3


def test_the_whole_seed_and_its_end_are_not_truncated() -> None:
    for cut in (len(SEED_BYTES), len(SEED_BYTES) - 1):
        document = _cut(cut)
        assert len(document.activities) == 34
        assert document.truncation is None and document.warnings == ()


def test_a_cut_inside_a_character_is_read_as_utf8_and_reported() -> None:
    cut = SEED_BYTES.index("квартал,".encode(), 30_800) + 3  # inside «в»
    document = _cut(cut)
    assert document.encoding == "utf-8"
    assert "middle of a character inside item 6.3" in str(document.truncation)
    assert named(document) == "6.2"


def test_utf16_cut_inside_a_character() -> None:
    data = SEED_TEXT.encode("utf-16")
    cut = data.index("Мониторинг исполнения".encode("utf-16-le")) + 31
    document = read_document_bytes(data[:cut], "cut16.txt")
    assert document.encoding == "utf-16"
    assert named(document) == "6.2"


def test_a_row_number_the_file_ends_in_is_not_an_item() -> None:
    cut = SEED_BYTES.index(b"\n6.3\t") + 3  # «6.»
    document = _cut(cut)
    assert [i.number for i in document.items][-1] == "6.2"
    assert "ends in the number «6.» of a row" in str(document.truncation)
    assert named(document) == "6.2"


def test_a_plan_ending_with_a_heading_names_the_heading() -> None:
    cut = SEED_BYTES.index(b"\n6.1\t")
    document = _cut(cut)
    assert "ends with the heading of section 6" in str(document.truncation)
    assert named(document) == "6"


@pytest.mark.parametrize(
    ("ending", "sign"),
    [
        ("Комитет общего и профессионального образования Ленинградской области», ГАОУ ДПО «Лен",
         "never closes"),
        ("Комитет общего и профессионального образования Ленинградской области», ", "space"),
        ("Комитет общего и профессионального образования Ленинградской области»,", "«,»"),
        ("Комитет общего и профессионального образования Ленинградской", "cannot end a cell"),
        ("Комитет общего и профессионального образования Ленинградской области», Г",
         "single letter"),
        ("Комитет общего и профессиональ", "only the beginning of"),
        ("Комитет общего и профессионального образования Ленинградской области», ГАОУ",
         "goes on everywhere else"),
    ],
)  # fmt: skip
def test_signs_that_the_last_cell_is_cut(ending: str, sign: str) -> None:
    head = SEED_TEXT[: SEED_TEXT.index("Ежегодно, 1 квартал,\t") + len("Ежегодно, 1 квартал,\t")]
    document = read_document_bytes((head + ending).encode(), "cut.txt")
    assert sign in str(document.truncation)
    assert named(document) == "6.2"


def _seed_lines() -> list[str]:
    return SEED_TEXT.split("\n")


REVISED = (
    "\n6.4\tПодготовка итогового доклада\tДекабрь 2030 г.\t"
    "Комитет общего и профессионального образования Ленинградской области"
)
CLOSING = "\n\nЗаместитель председателя комитета\t\tА.С. Огарков\n"
WHOLE_VARIANTS = {
    "no final line break": SEED_TEXT.rstrip().encode(),
    "stripped": SEED_TEXT.strip().encode(),
    "CRLF": SEED_TEXT.replace("\n", "\r\n").encode(),
    "CRLF, no final line break": SEED_TEXT.rstrip().replace("\n", "\r\n").encode(),
    "Windows-1251": SEED_TEXT.encode("cp1251", errors="replace"),
    "Windows-1251, no final line break": SEED_TEXT.rstrip().encode("cp1251", errors="replace"),
    "UTF-16": SEED_TEXT.encode("utf-16"),
    "UTF-8 BOM": b"\xef\xbb\xbf" + SEED_BYTES,
    "signature after the table": (SEED_TEXT.rstrip() + CLOSING).encode(),
    "signature, no final line break": (SEED_TEXT.rstrip() + CLOSING).rstrip().encode(),
    "rule after the table": (SEED_TEXT.rstrip() + "\n\n____________________").encode(),
    "trailing tabs trimmed": "\n".join(x.rstrip("\t") for x in _seed_lines()).encode(),
    "trailing tabs trimmed, no break": "\n".join(x.rstrip("\t") for x in _seed_lines())
    .rstrip()
    .encode(),
    "no blank lines": "\n".join(x for x in _seed_lines() if x.strip()).encode(),
    "an item added, no final line break": (SEED_TEXT.rstrip() + REVISED).encode(),
    "an item added": (SEED_TEXT.rstrip() + REVISED + "\n").encode(),
    "the count announced": SEED_TEXT.replace(
        "1. Утвердить прилагаемый план мероприятий",
        "1. Утвердить прилагаемый план мероприятий, который включает 6 разделов и 34 мероприятия,",
    ).encode(),
    "a second appendix that comes": (
        SEED_TEXT.replace("4. Контроль", "4. Утвердить форму отчёта (приложение 2).\n5. Контроль")
        .replace("План мероприятий («дорожная", "Приложение 1\nПлан мероприятий («дорожная", 1)
        .rstrip()
        + "\n\nПриложение 2\nк распоряжению\nФорма отчёта\n"
    ).encode(),
}


@pytest.mark.parametrize("variant", sorted(WHOLE_VARIANTS))
def test_whole_decrees_are_not_reported_as_cut(variant: str) -> None:
    document = read_document_bytes(WHOLE_VARIANTS[variant], "decree.txt")
    assert len(document.activities) >= 34
    assert document.truncation is None
    assert document.warnings == ()


def test_the_whole_seed_as_docx_is_not_cut(whole: RoadmapDocument) -> None:
    document = read_document_bytes(build_docx(whole), "seed.docx")
    assert document.truncation is None and document.warnings == ()


@pytest.mark.parametrize("cut", [26_500, 29_000, 31_000])
def test_a_docx_made_from_a_cut_text_names_the_last_complete_item(
    cut: int, whole: RoadmapDocument
) -> None:
    """In a .docx the cut shows as a last row with a title and nothing else."""
    document = read_document_bytes(build_docx(_cut(cut)), "cut.docx")
    assert "has no schedule and no executors" in str(document.truncation)
    assert named(document) == last_complete(whole, cut)


def test_a_docx_whose_last_row_lacks_its_executors(whole: RoadmapDocument) -> None:
    items = list(whole.items)
    items[-1] = dataclasses.replace(items[-1], executors_text="")
    document = read_document_bytes(
        build_docx(dataclasses.replace(whole, items=tuple(items))), "cut.docx"
    )
    assert "item 6.3 has no executors" in str(document.truncation)
    assert named(document) == "6.2"


def test_an_announced_count_the_plan_does_not_reach() -> None:
    text = SEED_TEXT.replace(
        "1. Утвердить прилагаемый план мероприятий",
        "1. Утвердить прилагаемый план мероприятий, который включает 7 разделов,",
    )
    document = read_document_bytes(text.encode(), "short.txt")
    assert "announces 7 sections, the plan has 6" in str(document.truncation)
    assert named(document) == "6.3"


def test_an_announced_appendix_that_never_comes() -> None:
    text = SEED_TEXT.replace(
        "4. Контроль", "4. Утвердить форму отчёта (приложение 2).\n5. Контроль"
    ).replace("План мероприятий («дорожная", "Приложение 1\nПлан мероприятий («дорожная", 1)
    document = read_document_bytes(text.encode(), "short.txt")
    assert "announces приложение 2, which never comes" in str(document.truncation)
    assert named(document) == "6.3"


def test_an_appendix_of_another_act_is_not_announced() -> None:
    text = SEED_TEXT.replace(
        "4. Контроль",
        "4. Руководствоваться приложением 2 к постановлению Правительства № 5.\n5. Контроль",
    ).replace("План мероприятий («дорожная", "Приложение 1\nПлан мероприятий («дорожная", 1)
    assert read_document_bytes(text.encode(), "ok.txt").truncation is None


def _five_column_decree(rows: int = 24) -> str:
    """Another region's style: flat numbering and a fifth column, «Ожидаемый результат»."""
    titles = [
        "Проведение мониторинга трудоустройства выпускников профессиональных организаций",
        "Организация профессиональных проб для обучающихся 8-11 классов",
        "Разработка и утверждение порядка взаимодействия с работодателями",
        "Проведение областного конкурса «Лучший наставник» среди педагогов",
        "Создание центров опережающей профессиональной подготовки",
        "Информационное сопровождение мероприятий в средствах массовой информации",
    ]
    executors = [
        "Министерство образования Новгородской области",
        "Министерство образования Новгородской области, ГОАУ ДПО «Новгородский институт "
        "развития образования»",
        "органы местного самоуправления муниципальных районов (по согласованию)",
    ]
    schedules = ["2021 год", "ежегодно", "IV квартал 2021 года", "2021-2024 годы"]
    results = [
        "повышение доли трудоустроенных выпускников",
        "не менее 5000 обучающихся ежегодно",
        "утвержден порядок взаимодействия",
        "проведен конкурс",
        "созданы центры",
        "обеспечено информирование населения",
    ]
    head = (
        "ПРАВИТЕЛЬСТВО НОВГОРОДСКОЙ ОБЛАСТИ\n\nПОСТАНОВЛЕНИЕ\n\nот 15.03.2021 № 123\n\n"
        "Об утверждении плана мероприятий по развитию профессиональной ориентации\n\n"
        "В соответствии с законом области Правительство области ПОСТАНОВЛЯЕТ:\n"
        "1. Утвердить прилагаемый план мероприятий на 2021-2024 годы.\n"
        "2. Контроль за выполнением постановления возложить на заместителя Губернатора "
        "области Петрова П.П.\n\nГубернатор области А.С. Никитин\n\n"
        "ПЛАН\nмероприятий по развитию профессиональной ориентации на 2021-2024 годы\n\n"
        "№ п/п\tНаименование мероприятия\tСрок исполнения\tОтветственные исполнители\t"
        "Ожидаемый результат\n1\t2\t3\t4\t5\n"
    )
    lines = [
        f"{n + 1}.\t{titles[n % 6]}\t{schedules[n % 4]}\t{executors[n % 3]}\t{results[n % 6]}"
        for n in range(rows)
    ]
    return head + "\n".join(lines) + "\n\n________________\n"


def test_a_five_column_decree_whole_in_every_dress() -> None:
    text = _five_column_decree()
    for data in (
        text.encode(),
        text.replace("\n", "\r\n").encode("cp1251"),
        text.rstrip().encode(),
        text[: text.rindex("\n\n____")].encode(),  # no closing rule, no final line break
    ):
        document = read_document_bytes(data, "b.txt")
        assert len(document.activities) == 24
        assert document.truncation is None and document.warnings == ()


def test_a_five_column_decree_cut_in_its_results_column() -> None:
    text = _five_column_decree()
    cut = text.index("повышение доли трудоустроенных", text.index("\n19.\t")) + len("повышение дол")
    document = read_document_bytes(text[:cut].encode(), "b.txt")
    assert named(document) == "18"


def test_a_whole_word_that_starts_a_longer_one_is_not_cut() -> None:
    """«проведен конкурс» ends the row of item 4; «конкурса» elsewhere does not make it cut."""
    text = _five_column_decree()
    cut = text.index("проведен конкурс") + len("проведен конкурс")
    document = read_document_bytes(text[:cut].encode(), "b.txt")
    assert document.truncation is None or named(document) == "4"


def test_a_file_that_stops_right_after_a_tab() -> None:
    text = _five_column_decree()
    row = text.index("\n9.\t") + 1
    cut = row + len("\t".join(text[row:].split("\t")[:4])) + 1  # after the executors' tab
    document = read_document_bytes(text[:cut].encode(), "b.txt")
    assert "stops right after a tab" in str(document.truncation)
    assert named(document) == "8"
