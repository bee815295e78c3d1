"""A supervisor's digest as words: counts first, then the overdue grouped by item and body.

Pure: it gets plain lines (one per overdue assignment) and gives back the dicts the templates
and the overview page show. One sweep sends a supervisor at most one mail, so this mail must
stay short whatever the day brought (a catch-up of 205 assignments made a 371 KB digest of 149
full titles): the counts come first («Просрочено 149 поручений: 23 пункта, 18 исполнителей;
12 — впервые сегодня, 5 переданы вам»), the items follow the worst first (most working days
overdue, then the highest rung of the ladder), with short titles, at most ``GROUPS`` of them
and ``BODIES`` executors each, and the rest is counted («Ещё 8 пунктов…») and left to the
overview page behind the mail's one link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kontrol.mail.russian import count, plural, working_days
from kontrol.naming import clip_middle, short_title

GROUPS = 15  # items shown per section of a mail
BODIES = 3  # executors named per item in a mail
TITLE = 80  # characters of an item's title
BODY_NAME = 60  # characters of an executor's name in a mail
NEW = "new"  # became overdue on the digest's day (the reader is the body it escalates to)
RANK = {"overdue": 1, "curator": 2, "controller": 3}  # the rungs after due; reminders are 0
STEP_WORDS = {
    "overdue": "исполнитель уведомлён",
    "curator": "доложено куратору",
    "controller": "доложено контролирующему лицу",
}
NOT_YET = "уведомление о просрочке ещё не отправлено"  # overdue, before the day's sweep
NEWS_ORDER = (NEW, "curator", "controller")
NEWS_WORDS = {
    NEW: "впервые сегодня",
    "curator": "передано вам как куратору",
    "controller": "передано вам на контроль",
}


@dataclass(frozen=True)
class Line:
    """One overdue assignment as a supervisor sees it; ``news``: what of it is new for this
    reader on the digest's day (``NEW``, and/or the level it was escalated to them at)."""

    assignment_id: int
    roadmap_id: int
    item: str
    title: str
    body_id: str
    body: str
    period: str
    due_on: dt.date
    days: int
    step: str | None
    news: frozenset[str] = field(default_factory=frozenset)

    @property
    def rank(self) -> int:
        return RANK.get(self.step or "", 0)

    @property
    def passed(self) -> bool:
        """Escalated to the reader on the digest's day."""
        return bool(self.news - {NEW})


Link = Callable[[Line], str]


def _item_key(number: str) -> list[int]:
    return [int(p) if p.isdigit() else 0 for p in number.split(".")]


def _worst(lines: Iterable[Line]) -> tuple[int, int]:
    return max(((ln.days, ln.rank) for ln in lines), default=(0, 0))


@dataclass(frozen=True)
class Tally:
    """The counts that open the mail and the overview page."""

    assignments: int
    items: int
    bodies: int
    new: int = 0
    passed: int = 0


def tally(lines: Sequence[Line], news: Sequence[Line] = ()) -> Tally:
    return Tally(
        len(lines),
        len({(ln.roadmap_id, ln.item) for ln in lines}),
        len({ln.body_id for ln in lines}),
        sum(NEW in ln.news for ln in news),
        sum(ln.passed for ln in news),
    )


def tally_words(t: Tally) -> str:
    """«Просрочено 149 поручений: 23 пункта, 18 исполнителей; 12 — впервые сегодня, 5 переданы
    вам.» — the news only when there is some."""
    if not t.assignments:
        return "Просроченных поручений нет."
    head = (
        f"Просрочено {count(t.assignments, 'поручение', 'поручения', 'поручений')}: "
        f"{count(t.items, 'пункт', 'пункта', 'пунктов')}, "
        f"{count(t.bodies, 'исполнитель', 'исполнителя', 'исполнителей')}"
    )
    news = news_words(t.new, t.passed)
    return f"{head}; {news}." if news else f"{head}."


def news_words(new: int, passed: int) -> str:
    """«12 — впервые сегодня, 5 переданы вам»; empty without news."""
    words = []
    if new:
        words.append(f"{new} — впервые сегодня")
    if passed:
        words.append(f"{passed} {plural(passed, 'передано', 'переданы', 'переданы')} вам")
    return ", ".join(words)


def _body_row(lines: Sequence[Line], days: int, mark: bool, link: Link | None) -> dict[str, Any]:
    """One executor within an item: its name, how late when not as late as the item, and with
    ``mark`` (an item with news for some of its executors only) what is new for the reader."""
    ordered = sorted(lines, key=lambda ln: (-ln.days, -ln.rank, ln.due_on))
    words = []
    if ordered[0].days != days:
        words.append(f"на {working_days(ordered[0].days)}")
    if len(ordered) > 1:
        words.append(count(len(ordered), "поручение", "поручения", "поручений"))
    news = frozenset().union(*(ln.news for ln in ordered)) if mark else frozenset()
    words += [NEWS_WORDS[n] for n in NEWS_ORDER if n in news]
    return {
        "name": clip_middle(ordered[0].body, BODY_NAME),
        "words": ", ".join(words),
        "lines": [
            {
                "id": ln.assignment_id,
                "body": ln.body,
                "period": ln.period,
                "due_on": ln.due_on,
                "days": working_days(ln.days),
                "step": STEP_WORDS.get(ln.step or "", NOT_YET),
                "news": ", ".join(NEWS_WORDS[n] for n in NEWS_ORDER if n in ln.news),
                "url": link(ln) if link is not None else None,
            }
            for ln in ordered
        ],
    }


def groups(
    lines: Sequence[Line],
    *,
    limit: int | None = None,
    bodies: int | None = None,
    news_first: bool = False,
    link: Link | None = None,
    decrees: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """The lines by item, then by executor, the worst first (with ``news_first``, the items and
    executors with news for the reader before the others); ``limit`` items shown with at most
    ``bodies`` executors each, the rest counted. ``link(line)``: the URL of one assignment's
    row (the overview page lists every line), or None (a mail names executors only).
    ``decrees``: roadmap id → number; when the lines come from several decrees each item says
    whose it is («№ 55-р, п. 1.3»)."""
    if len({ln.roadmap_id for ln in lines}) < 2:
        decrees = None
    by_item: dict[tuple[int, str], list[Line]] = {}
    for ln in lines:
        by_item.setdefault((ln.roadmap_id, ln.item), []).append(ln)
    ordered = sorted(
        by_item.values(),
        key=lambda g: (
            news_first and not any(ln.news for ln in g),
            tuple(-x for x in _worst(g)),
            _item_key(g[0].item),
            g[0].roadmap_id,
        ),
    )
    shown = ordered if limit is None else ordered[:limit]
    out = []
    for g in shown:
        by_body: dict[str, list[Line]] = {}
        for ln in g:
            by_body.setdefault(ln.body_id, []).append(ln)
        rows = sorted(
            by_body.values(),
            key=lambda b: (
                news_first and not any(ln.news for ln in b),
                tuple(-x for x in _worst(b)),
                b[0].body,
            ),
        )
        days = _worst(g)[0]
        mark = any(ln.news for ln in g) and not all(ln.news for ln in g)
        cut = rows if bodies is None else rows[:bodies]
        out.append(
            {
                "item": g[0].item,
                "decree": (decrees or {}).get(g[0].roadmap_id),
                "title": short_title(g[0].title, TITLE),
                "summary": _summary(g),
                "bodies": [_body_row(b, days, mark, link) for b in cut],
                "more_bodies": _more_bodies(len(rows) - len(cut)),
            }
        )
    return {"shown": out, "more": _more_items(ordered[len(shown) :])}


def _summary(g: Sequence[Line]) -> str:
    """«3 поручения, просрочка до 12 рабочих дней, куратору; 2 впервые»."""
    days, rank = _worst(g)
    step = next((s for s, r in RANK.items() if r == rank), None)
    summary = [
        count(len(g), "поручение", "поручения", "поручений"),
        f"просрочка {'до ' if len({ln.days for ln in g}) > 1 else ''}{working_days(days)}",
    ]
    if step:
        summary.append(STEP_WORDS[step])
    news = news_words(sum(NEW in ln.news for ln in g), sum(ln.passed for ln in g))
    return ", ".join(summary) + (f"; {news}" if news else "")


def _more_bodies(n: int) -> str | None:
    return f"и ещё {count(n, 'исполнитель', 'исполнителя', 'исполнителей')}" if n else None


def _more_items(rest: Sequence[Sequence[Line]]) -> str | None:
    """«Ещё 8 пунктов (37 поручений)», or None when everything is shown."""
    if not rest:
        return None
    n = sum(len(g) for g in rest)
    return (
        f"Ещё {count(len(rest), 'пункт', 'пункта', 'пунктов')} "
        f"({count(n, 'поручение', 'поручения', 'поручений')})"
    )
