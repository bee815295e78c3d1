"""Names people read and keys machines use, derived the same way everywhere."""

from __future__ import annotations

import re

from slugify import slugify

from models import Obligation

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


def deployment_name(ob: Obligation) -> str:
    """«1.3 Разработка и утверждение …», «3.1.4 Разработка — …»: unique per obligation."""
    label = f"{ob.label} — " if ob.label else ""
    name = f"{ob.item.number} {label}{short_title(ob.item.title, NAME_LIMIT - len(label))}"
    return name.translate(BANNED)


def ascii_key(*parts: str) -> str:
    """Lowercase-with-dashes key (Prefect artifact keys), Cyrillic transliterated."""
    return slugify("-".join(parts), separator="-", lowercase=True)


def item_artifact_key(roadmap_number: str, ob_key: str) -> str:
    return ascii_key("kontrol", roadmap_number, "item", ob_key.replace(".", "-").replace("/", "-p"))


STATUS_WORDS = {
    "issued": "выдано",
    "done": "выполнено",
    "overdue": "просрочено",
    "cancelled": "отменено",
}
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
