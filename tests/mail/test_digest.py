"""A supervisor's digest in words: counts first, items the worst first, capped, short titles."""

from __future__ import annotations

import datetime as dt

import pytest

from kontrol.mail.digest import (
    BODIES,
    GROUPS,
    NEW,
    TITLE,
    Line,
    Tally,
    groups,
    tally,
    tally_words,
)

LONG = (
    "Организация и проведение родительского всеобуча по вопросам профессиональной ориентации "
    "обучающихся общеобразовательных организаций Ленинградской области"
)


def line(
    aid: int,
    item: str = "1.1",
    body: str = "b1",
    days: int = 1,
    step: str | None = "overdue",
    news: frozenset[str] = frozenset(),
    title: str = "Мероприятие",
) -> Line:
    return Line(
        assignment_id=aid,
        roadmap_id=1,
        item=item,
        title=title,
        body_id=body,
        body=f"Исполнитель {body}",
        period="I квартал 2021 г.",
        due_on=dt.date(2021, 3, 31),
        days=days,
        step=step,
        news=news,
    )


@pytest.mark.parametrize(
    ("counts", "words"),
    [
        ((1, 1, 1, 1, 1), "Просрочено 1 поручение: 1 пункт, 1 исполнитель; 1 — впервые сегодня, "
         "1 передано вам."),
        ((2, 2, 2, 0, 2), "Просрочено 2 поручения: 2 пункта, 2 исполнителя; 2 переданы вам."),
        ((5, 3, 4, 5, 0), "Просрочено 5 поручений: 3 пункта, 4 исполнителя; 5 — впервые сегодня."),
        ((11, 11, 11, 0, 11), "Просрочено 11 поручений: 11 пунктов, 11 исполнителей; "
         "11 переданы вам."),
        ((21, 21, 21, 0, 21), "Просрочено 21 поручение: 21 пункт, 21 исполнитель; "
         "21 передано вам."),
        ((149, 23, 18, 12, 5), "Просрочено 149 поручений: 23 пункта, 18 исполнителей; "
         "12 — впервые сегодня, 5 переданы вам."),
        ((3, 1, 3, 0, 0), "Просрочено 3 поручения: 1 пункт, 3 исполнителя."),
        ((0, 0, 0, 0, 0), "Просроченных поручений нет."),
    ],
)  # fmt: skip
def test_counts_come_in_correct_russian(counts: tuple[int, ...], words: str) -> None:
    assert tally_words(Tally(*counts)) == words


def test_the_tally_counts_items_executors_and_news() -> None:
    lines = [
        line(1, "1.1", "a", news=frozenset({NEW})),
        line(2, "1.1", "b", news=frozenset({NEW, "curator"})),
        line(3, "2.3", "a", news=frozenset({"controller"})),
        line(4, "2.3", "c"),
    ]
    assert tally(lines, [ln for ln in lines if ln.news]) == Tally(4, 2, 3, 2, 2)


def test_items_come_the_worst_first_then_by_the_rung_then_by_number() -> None:
    lines = [
        line(1, "1.3", days=2),
        line(2, "3.2.4", days=12, step="curator"),
        line(3, "2.10", days=12, step="controller"),
        line(4, "2.9", days=12, step="controller"),
        line(5, "2.9", "b2", days=1),
    ]
    shown = groups(lines)["shown"]
    assert [g["item"] for g in shown] == ["2.9", "2.10", "3.2.4", "1.3"]
    assert shown[0]["summary"] == (
        "2 поручения, просрочка до 12 рабочих дней, доложено контролирующему лицу"
    )
    assert shown[3]["summary"] == "1 поручение, просрочка 2 рабочих дня, исполнитель уведомлён"


def test_a_mail_shows_at_most_so_many_items_and_executors_and_counts_the_rest() -> None:
    lines = [
        line(item * 100 + body, f"{item}.1", f"b{body}", days=30 - item, title=LONG)
        for item in range(1, 21)
        for body in range(1, item + 1)
    ]
    section = groups(lines, limit=GROUPS, bodies=BODIES)
    assert len(section["shown"]) == GROUPS == 15
    assert section["more"] == "Ещё 5 пунктов (90 поручений)"  # items 16–20: 16+…+20 lines
    first, second, many = section["shown"][0], section["shown"][1], section["shown"][-1]
    assert len(first["bodies"]) == 1 and first["more_bodies"] is None
    assert len(second["bodies"]) == 2 and second["more_bodies"] is None
    assert len(many["bodies"]) == BODIES == 3 and many["more_bodies"] == "и ещё 12 исполнителей"
    assert groups(lines[:4], bodies=1)["shown"][1]["more_bodies"] == "и ещё 1 исполнитель"
    assert groups(lines[:6], bodies=1)["shown"][2]["more_bodies"] == "и ещё 2 исполнителя"
    title = first["title"]
    assert len(title) <= TITLE and title.endswith("…") and LONG.startswith(title[:-1])


def test_news_come_first_and_are_marked_where_only_some_executors_have_them() -> None:
    lines = [
        line(1, "1.1", "a", days=30, step="controller"),
        line(2, "2.2", "a", days=10, step="controller"),
        line(3, "2.2", "b", days=5, step="curator", news=frozenset({"curator"})),
        line(4, "3.3", "c", days=1, news=frozenset({NEW})),
    ]
    shown = groups(lines, news_first=True)["shown"]
    assert [g["item"] for g in shown] == ["2.2", "3.3", "1.1"]
    mixed, alone = shown[0], shown[1]
    assert mixed["summary"].endswith("; 1 передано вам")
    assert [b["words"] for b in mixed["bodies"]] == [
        "на 5 рабочих дней, передано вам как куратору",  # the one with news first
        "",
    ]
    assert alone["summary"].endswith("; 1 — впервые сегодня")
    assert alone["bodies"][0]["words"] == ""  # the whole item is news: said once, above
    assert [g["item"] for g in groups(lines)["shown"]] == ["1.1", "2.2", "3.3"]


def test_the_overview_gets_every_row_with_its_link() -> None:
    lines = [line(i, f"{i % 3}.1", f"b{i}", days=i) for i in range(1, 40)]
    section = groups(lines, link=lambda ln: f"/s/{ln.assignment_id}")
    rows = [r for g in section["shown"] for b in g["bodies"] for r in b["lines"]]
    assert sorted(r["url"] for r in rows) == sorted(f"/s/{i}" for i in range(1, 40))
    assert section["more"] is None
    assert rows[0]["days"] == "39 рабочих дней" and rows[0]["step"] == "исполнитель уведомлён"
