"""Names people read and keys machines use, derived the same way everywhere."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from kontrol.mail.russian import period_words

# the models for types only: `kontrol status` and `items` name bodies without SQLAlchemy
if TYPE_CHECKING:
    from kontrol.models import Obligation

NAME_LIMIT = 90
# Prefect refuses these in names (prefect.types.names.BANNED_CHARACTERS)
BANNED = str.maketrans({"/": "-", "%": " ", "&": "и", ">": "»", "<": "«"})


def short_title(title: str, limit: int = NAME_LIMIT) -> str:
    """The activity's first sentence, cut at a word boundary: what a deployment list can show."""
    first = re.split(r"(?<=[.:;])\s", " ".join(title.split()), maxsplit=1)[0].rstrip(".:;")
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0].rstrip(",;:—- ")
    return cut + "…"


BODY_CELL = 36  # characters of a body's name in a table artifact: the columns fit 1366 px


def clip(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters ending in «…» when cut: a table cell that keeps
    the columns after it on the page. Cut at a word boundary unless that would drop more than
    a quarter of it («Комитет образования Лодейнопольск…», not «Комитет образования…»)."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    head = line[: limit - 1]
    word = head.rsplit(" ", 1)[0].rstrip(",;:—-« ")
    return (word if len(word) >= limit * 3 // 4 else head.rstrip()) + "…"


def clip_middle(text: str, limit: int) -> str:
    """At most ``limit`` characters keeping both ends, cut at words: «МОУ «Средняя … школа № 1»».
    For names that differ only at the end, where ``clip`` would make them the same cell."""
    words = " ".join(text.split()).replace("№ ", "№\u00a0").split(" ")
    if len(" ".join(words)) <= limit or len(words) < 3:
        return clip(text, limit)
    head, tail = words[:1], list[str]()
    for word in reversed(words[1:]):  # the end first: it is what tells the names apart
        if len(" ".join([*head, word, *tail])) + 2 > limit:
            break
        tail.insert(0, word)
    for word in words[1 : len(words) - len(tail)]:
        if len(" ".join([*head, word, *tail])) + 2 > limit:
            break
        head.append(word)
    if not tail:
        return clip(text, limit)
    return f"{' '.join(head)} … {' '.join(tail)}".replace("\u00a0", " ")


def cells(names: dict[str, str], limit: int = BODY_CELL) -> dict[str, str]:
    """Key → table cell for every name: ``clip``, but names that would cut to the same cell
    keep both ends (``clip_middle``). Computed over a whole directory, a body has one cell in
    every table."""
    cut = {key: clip(name, limit) for key, name in names.items()}
    seen: dict[str, set[str]] = {}
    for key, cell in cut.items():
        seen.setdefault(cell, set()).add(names[key])
    return {
        key: clip_middle(names[key], limit) if len(seen[cell]) > 1 else cell
        for key, cell in cut.items()
    }


class Named(Protocol):
    id: str
    name: str
    short_name: str | None


def display_name(name: str, short_name: str | None) -> str:
    """The one name a body goes by in artifacts, events, run names, reports and charts.

    The shorter of its two names: the directory's ``short_name`` is meant to be the shorter
    one, but some entries carry the longer, official form there (it is also matched in
    decrees), and a table column or an event card needs the short one.
    """
    full = " ".join(name.split())
    short = " ".join((short_name or "").split())
    return short if short and len(short) <= len(full) else full


def body_label(body: Named) -> str:
    """``display_name`` of a body row (or anything with ``name`` and ``short_name``)."""
    return display_name(body.name, body.short_name)


def body_cells(bodies: Iterable[Named], limit: int = BODY_CELL) -> dict[str, str]:
    """Body id → its cell in a table artifact, over the whole directory (see ``cells``)."""
    return cells({b.id: body_label(b) for b in bodies}, limit)


def deployment_name(ob: Obligation) -> str:
    """«1.3 Разработка и утверждение …», «3.1.4 Разработка — …»: unique per obligation."""
    label = f"{ob.label} — " if ob.label else ""
    name = f"{ob.item.number} {label}{short_title(ob.item.title, NAME_LIMIT - len(label))}"
    return name.translate(BANNED)


def ascii_key(*parts: str) -> str:
    """Lowercase-with-dashes key (Prefect artifact keys), Cyrillic transliterated."""
    from slugify import slugify

    return slugify("-".join(parts), separator="-", lowercase=True)


def item_artifact_key(roadmap_number: str, ob_key: str) -> str:
    return ascii_key("kontrol", roadmap_number, "item", ob_key.replace(".", "-").replace("/", "-p"))


ROLE_WORDS = {"lead": "ответственный", "co_executor": "соисполнитель"}


# what a sweep does, in the words of its report lines (and of its flow run's log)
SWEEP_WORDS = {
    "status": "просрочено",
    "reminder": "напоминание",
    "overdue_notice": "уведомление",
    "escalation": "эскалация",
    "digest": "сводка",
    "weekly": "недельная сводка",
}


def sweep_counts(counts: dict[str, int]) -> str:
    """«напоминание 2, эскалация 1», or «nothing to do»: a sweep's counts for a person."""
    done = [f"{SWEEP_WORDS.get(kind, kind)} {n}" for kind, n in counts.items() if n]
    return ", ".join(done) or "nothing to do"


# ── flow run names: what a run is about, as the Runs page lists it ──────────────────────────

RUN_SEPARATOR = " · "


def period_title(start: dt.date, end: dt.date) -> str:
    """«январь 2027», «I квартал 2027», «2027 год», «2026–2027 годы», «27.07.2020–31.12.2020»:
    the period as a heading reads (``period_words`` without the «г.» of running text)."""
    words = period_words(start, end)
    if words.endswith(" гг."):
        return words[: -len(" гг.")] + " годы"
    if re.fullmatch(r"\d{4} г\.", words):
        return f"{start.year} год"
    return words.removesuffix(" г.")


def obligation_title(item: str, label: str | None = None) -> str:
    """«1.3», «3.1.4 Разработка»: the obligation as a run name starts."""
    return f"{item} {label}" if label else item


def occurrence_title(start: dt.date, end: dt.date, *, event: bool = False) -> str:
    """«январь 2027»; an occurrence counted from an event: «по событию 28.12.2021»."""
    return f"по событию {start:%d.%m.%Y}" if event else period_title(start, end)


def cycle_run_name(
    item: str,
    start: dt.date,
    end: dt.date,
    *,
    label: str | None = None,
    event: bool = False,
    roadmap: str | None = None,
) -> str:
    """«1302-б · 1.3 · январь 2027», «1302-б · 3.1.4 Разработка · I квартал 2021»,
    «1302-б · 1.3 · по событию 28.12.2021» (``roadmap``: the decree's number)."""
    what = occurrence_title(start, end, event=event)
    head = f"{roadmap}{RUN_SEPARATOR}" if roadmap else ""
    return f"{head}{obligation_title(item, label)}{RUN_SEPARATOR}{what}".translate(BANNED)


def sweep_run_name(day: dt.date) -> str:
    """«обход 20.01.2027»"""
    return f"обход {day:%d.%m.%Y}"


def report_run_name(year: int) -> str:
    """«отчёт за 2026 год»"""
    return f"отчёт за {year} год"
