"""Generate a ministry-size portfolio: N decrees × M obligations in the seed's text form.

Each decree varies its number, date, issuer (a committee of Leningrad Oblast: the example
directory of bodies is theirs, so every executor resolves), title and items. Item names are
built from the seed's activities; schedule phrases come from the seed (years moved into the
decree's period) and from tests/roadmap/data/phrases.yaml (those without a year of their own
that the parser reads as once, recurring or ongoing); executors are one to three names of the
example directory, groups included (a group issues one assignment per member). The same
``--seed`` gives the same files byte for byte.

    python bench/portfolio_gen.py OUT_DIR --roadmaps 50 --items 40 --seed 17
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "examples/lenobl/000_e3bc991062043600.txt"
DIRECTORY = REPO / "examples/lenobl/directory.yaml"
PHRASES = REPO / "tests/roadmap/data/phrases.yaml"

ISSUERS = (
    ("КОМИТЕТ", "ОБЩЕГО И ПРОФЕССИОНАЛЬНОГО ОБРАЗОВАНИЯ", "ЛЕНИНГРАДСКОЙ ОБЛАСТИ"),
    ("КОМИТЕТ", "ПО МОЛОДЕЖНОЙ ПОЛИТИКЕ", "ЛЕНИНГРАДСКОЙ ОБЛАСТИ"),
    ("КОМИТЕТ", "ПО ТРУДУ И ЗАНЯТОСТИ НАСЕЛЕНИЯ", "ЛЕНИНГРАДСКОЙ ОБЛАСТИ"),
    ("КОМИТЕТ", "ПО СОЦИАЛЬНОЙ ЗАЩИТЕ НАСЕЛЕНИЯ", "ЛЕНИНГРАДСКОЙ ОБЛАСТИ"),
    ("КОМИТЕТ", "ПО КУЛЬТУРЕ И ТУРИЗМУ", "ЛЕНИНГРАДСКОЙ ОБЛАСТИ"),
    ("КОМИТЕТ", "ПО ФИЗИЧЕСКОЙ КУЛЬТУРЕ И СПОРТУ", "ЛЕНИНГРАДСКОЙ ОБЛАСТИ"),
)
TOPICS = (
    "профессиональной ориентации обучающихся",
    "дополнительного образования детей",
    "инклюзивного образования",
    "кадрового обеспечения системы образования",
    "воспитательной работы в образовательных организациях",
    "цифровой образовательной среды",
    "наставничества в образовательных организациях",
    "летнего отдыха и оздоровления детей",
    "олимпиадного движения школьников",
    "психолого-педагогического сопровождения обучающихся",
)
MONTHS = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
# The seed's own phrases; {a} and {h} are the decree's first and last year.
SEED_PHRASES = (
    "Ежегодно",
    "Ежегодно, январь {a}-{h} г.г.",
    "Ежегодно, 4 квартал {a}-{h} г.г.",
    "Ежеквартально, {a}-{h} г.г.",
    "Ежегодно, по отдельному плану",
    "Ежегодно, 1 квартал",
    "Постоянно",
    "Постоянно, {a}-{h}г.г.",
    "4 квартал {a} г.",
    "1 полугодие {b} г.",
    "Разработка: 1 квартал {b} г. Реализация: {a}-{h} г.г.",
)
_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")


def seed_activities() -> list[str]:
    """The seed's activity names (second column of its numbered rows)."""
    names = []
    for line in SEED.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) >= 4 and re.match(r"^\d+(\.\d+)+\.?$", cells[0]) and cells[2].strip():
            names.append(cells[1].strip())
    return names


def catalogue_phrases() -> list[str]:
    """Phrases of other plans the parser reads as dated work, without a year of their own."""
    from kontrol.roadmap.errors import ScheduleSyntaxError, ScheduleValueError
    from kontrol.roadmap.schedule.parser import parse_schedule

    chosen = []
    for entry in yaml.safe_load(PHRASES.read_text(encoding="utf-8")):
        phrase, expect = entry["phrase"], entry["expect"]
        if expect.get("kind") not in ("once", "recurring", "ongoing") or _YEAR.search(phrase):
            continue
        if expect.get("frequency") == "weekly" or "\n" in phrase or len(phrase) > 120:
            continue
        try:
            parse_schedule(phrase)
        except (ScheduleSyntaxError, ScheduleValueError):
            continue
        chosen.append(phrase)
    return chosen


def executor_names() -> list[str]:
    bodies = yaml.safe_load(DIRECTORY.read_text(encoding="utf-8"))["bodies"]
    return [b["name"] for b in bodies if b.get("kind") != "official"]


def decree_text(i: int, m: int, rng: random.Random, pools: tuple[list[str], ...]) -> str:
    activities, phrases, executors = pools
    adopted = dt.date(2024, 1, 9) + dt.timedelta(days=rng.randrange(0, 700))
    horizon = adopted.year + rng.choice((3, 5, 6))
    issuer = ISSUERS[i % len(ISSUERS)]
    topic = TOPICS[i % len(TOPICS)]
    number = f"{100 + i * 7}-{rng.choice('брп')}"
    years = {"a": adopted.year, "b": adopted.year + 1, "h": horizon}
    period = f"на период до {horizon} года"
    region = "в Ленинградской области"
    plan = f"План мероприятий («дорожная карта») по развитию {topic} {region} {period}"
    lines = [
        "РОССИЙСКАЯ ФЕДЕРАЦИЯ",
        "АДМИНИСТРАЦИЯ ЛЕНИНГРАДСКОЙ ОБЛАСТИ",
        *issuer,
        "",
        "РАСПОРЯЖЕНИЕ",
        "",
        f"«{adopted.day}» {MONTHS[adopted.month - 1]} {adopted.year} года № {number}",
        "",
        f"Об утверждении плана мероприятий по развитию {topic} в Ленинградской области",
        "",
        f"В целях развития {topic} в Ленинградской области:",
        f"1. Утвердить прилагаемый план мероприятий («дорожная карта») {period}.",
        "2. Контроль за исполнением настоящего распоряжения оставляю за собой.",
        "",
        "Заместитель председателя комитета",
        "",
        "А.С. Огарков",
        "",
        plan,
        "",
        "№ п/п\tНаименование мероприятия\tСроки реализации\tОтветственные исполнители",
    ]
    sections = max(1, m // 10)
    for s in range(1, sections + 1):
        lines.append(f"{s}. Раздел {s}: мероприятия по развитию {topic}\t\t\t")
        count = m // sections + (1 if s <= m % sections else 0)
        for k in range(1, count + 1):
            phrase = rng.choice(phrases).format(**years)
            who = ", ".join(rng.sample(executors, rng.choice((1, 1, 2, 3))))
            lines.append(f"{s}.{k}\t{rng.choice(activities)}\t{phrase}\t{who}")
    return "\n".join(lines) + "\n"


def generate(out: Path, roadmaps: int, items: int, seed: int) -> list[Path]:
    """Write the decrees into ``out``; returns their paths in order."""
    rng = random.Random(seed)
    pools = (seed_activities(), list(SEED_PHRASES) + catalogue_phrases(), executor_names())
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(roadmaps):
        path = out / f"{i:03d}_portfolio.txt"
        path.write_text(decree_text(i, items, rng, pools), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--roadmaps", type=int, default=50)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    for path in generate(args.out, args.roadmaps, args.items, args.seed):
        print(path)


if __name__ == "__main__":
    main()
