"""The decree's text before the plan table: authority, kind, number, date, title, points.

Shared by the text and ``.docx`` readers, which hand over plain lines.  Regions word decrees
differently, so everything but the number and the date is optional: a missing part becomes
None or empty plus a warning.  Without a number and a date the roadmap cannot be identified,
so those are errors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from kontrol.roadmap.cells import normalize_line
from kontrol.roadmap.document import Controller, Curator
from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.russian import nominative_head, readable_name, surname_nominative

KINDS = ("распоряжение", "приказ", "постановление", "решение", "указ")
MONTHS = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
_Q = "«»\"“”„'"
_WORD_DATE_RE = re.compile(
    rf"[{_Q}]?\s*(\d{{1,2}})\s*[{_Q}]?\s+({'|'.join(MONTHS)})\s+(\d{{4}})", re.IGNORECASE
)
_NUM_DATE_RE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?![\d])")
_NUMBER_RE = re.compile(r"(?:№|\bN(?=\s*\d))\s*([0-9A-Za-zА-Яа-яЁё][^\s,;]*)")
_POINT_RE = re.compile(r"^(\d{1,2})[.)]\s+(\S.*)$")
_PLAN_RE = re.compile(r"^план(\s|$)", re.IGNORECASE)
_BODY_NOUNS = (
    "комитет", "министерств", "департамент", "управлени", "администраци", "правительств",
    "губернатор", "агентств", "служб", "инспекци", "глава", "мэри", "совет", "дума",
)  # fmt: skip
_POSITIONS = (
    "председател", "заместител", "первый заместител", "министр", "губернатор", "вице-губернатор",
    "глава", "начальник", "руководител", "директор", "и.о.", "и. о.", "исполняющ", "временно",
    "врио", "мэр", "управляющ",
)  # fmt: skip
_MAX_NUMBER = 64  # characters of a decree's number (the database keeps no more)
_MAX_NAME = 255  # characters of the controller's position or name
_STOPS = ("приложени", "утвержден", "утверждён", "утверждено", "утверждена")
_INTRO_STARTS = ("в целях", "в соответствии", "во исполнение", "на основании", "в связи")
# «А.С. Огарков» or «Огарков А.С.»; a surname is at most 40 letters (a longer «name» is none)
_SURNAME = r"[А-ЯЁ][а-яё]{1,40}(?:-[А-ЯЁ][а-яё]{1,40})?"
_PERSON = rf"(?:[А-ЯЁ]\.\s?[А-ЯЁ]\.\s?{_SURNAME}|{_SURNAME}\s+[А-ЯЁ]\.\s?[А-ЯЁ]\.?)"
_PAREN_PERSON_RE = re.compile(rf"\(\s*({_PERSON})\s*\)")
_PERSON_AT_END_RE = re.compile(rf"(?:^|\s)({_PERSON})\s*$")
_YEAR_RES = (
    re.compile(r"до\s+(\d{4})\s*(?:года|год|г\.?)", re.IGNORECASE),
    re.compile(r"\d{4}\s*[-–—]\s*(\d{4})\s*(?:годы|годов|год|гг|г\.\s?г|г\.)", re.IGNORECASE),
    re.compile(r"\bна\s+(\d{4})\s*(?:год|г\.)", re.IGNORECASE),
)


@dataclass(frozen=True)
class Preamble:
    kind: str
    number: str
    adopted_on: date
    authority: str
    title: str
    horizon_year: int | None
    points: tuple[str, ...]
    curators: tuple[Curator, ...]
    controller: Controller | None
    plan_title: str
    warnings: tuple[str, ...] = field(default=())


def parse_preamble(raw_lines: Sequence[str], *, file: str, unit: str = "line") -> Preamble:
    """Parse the lines before the plan table (``raw_lines[0]`` is line/paragraph 1)."""
    lines = [normalize_line(x) for x in raw_lines]
    warnings: list[str] = []
    plan_at = _find_plan_title(lines)
    plan_title = " ".join(x for x in lines[plan_at:] if x) if plan_at is not None else ""
    if not plan_title:
        warnings.append(f"{file}: no «План мероприятий …» title found before the table")
    body = lines[:plan_at] if plan_at is not None else lines
    first_point = next((i for i, x in enumerate(body) if _POINT_RE.match(x)), len(body))
    kind_at, kind = _find_kind(body[:first_point])
    if not kind:
        warnings.append(f"{file}: the kind of act (распоряжение, приказ …) was not found")
    authority = _authority(body[: kind_at if kind_at is not None else 0])
    if not authority:
        warnings.append(f"{file}: the issuing authority was not found")
    start = kind_at or 0
    adopted_on, date_at = _find_date(body, start, first_point, file=file, unit=unit)
    number, number_at = _find_number(body, start, first_point, file=file)
    title = _title(body, max(start, date_at, number_at) + 1, first_point)
    if not title:
        warnings.append(f"{file}: the decree's title («Об …») was not found")
    points, signature = _points_and_signature(body[first_point:])
    if not points:
        warnings.append(f"{file}: no numbered points (1., 2., …) found in the decree")
    control = next((p for p in points if "контрол" in p.lower()), None)
    curators = _curators([p for p in points if p is not control])
    controller = _controller(control, signature)
    if (
        controller is not None
        and max(map(len, (controller.position, controller.person or ""))) > _MAX_NAME
    ):
        warnings.append(f"{file}: the controller's position is too long to be one; not recorded")
        controller = None
    elif controller is None:
        warnings.append(f"{file}: the controller (who keeps control) was not found")
    horizon = _horizon([plan_title, title, *points, *body], adopted_on.year)
    if horizon is None:
        warnings.append(
            f"{file}: the roadmap's horizon year («до 2030 года», «на 2021–2025 годы») was not "
            f"found: its recurring items are planned to the end of {adopted_on.year} only"
        )
    return Preamble(
        kind=kind, number=number, adopted_on=adopted_on, authority=authority, title=title,
        horizon_year=horizon, points=tuple(points), curators=curators, controller=controller,
        plan_title=plan_title, warnings=tuple(warnings),
    )  # fmt: skip


def _find_plan_title(lines: list[str]) -> int | None:
    found = [i for i, x in enumerate(lines) if _PLAN_RE.match(x)]
    return found[-1] if found else None


def _find_kind(lines: list[str]) -> tuple[int | None, str]:
    for index, line in enumerate(lines):
        squeezed = line.replace(" ", "") if re.fullmatch(r"(?:\w )+\w", line) else line
        head = squeezed.split(" ", 1)[0].strip(".:").lower()
        first = squeezed.split(" ", 1)[0]
        if head in KINDS and (first.isupper() or squeezed.strip(".: ").lower() == head):
            return index, head
    return None, ""


def _authority(lines: list[str]) -> str:
    """The most specific body of the heading (the last group starting with a body noun)."""
    heading = [x for x in lines if x and x.lower() != "российская федерация"]
    groups: list[list[str]] = []
    for line in heading:
        if not groups or line.lower().startswith(_BODY_NOUNS):
            groups.append([line])
        else:
            groups[-1].append(line)
    return readable_name(" ".join(groups[-1])) if groups else ""


def _find_date(
    lines: list[str], start: int, stop: int, *, file: str, unit: str
) -> tuple[date, int]:
    for index in [*range(start, stop), *range(0, start)]:
        line = lines[index]
        word = _WORD_DATE_RE.search(line)
        numeric = _NUM_DATE_RE.search(line)
        if word:
            day, month, year = int(word[1]), MONTHS.index(word[2].lower()) + 1, int(word[3])
        elif numeric:
            day, month, year = int(numeric[1]), int(numeric[2]), int(numeric[3])
            year += 2000 if year < 100 else 0
        else:
            continue
        try:
            return date(year, month, day), index
        except ValueError:
            raise DocumentError(
                "the decree's adoption date is not a real date", file=file, line=index + 1,
                text=line,
            ) from None  # fmt: skip
    raise DocumentError(
        f"the decree's adoption date («27» июля 2020 года or 27.07.2020) was not found "
        f"in the {unit}s before the plan table",
        file=file,
    )


def _find_number(lines: list[str], start: int, stop: int, *, file: str) -> tuple[str, int]:
    for index in [*range(start, stop), *range(0, start)]:
        match = _NUMBER_RE.search(lines[index])
        if match:
            number = match[1].rstrip(".,;:")
            if len(number) > _MAX_NUMBER:
                raise DocumentError(
                    f"the decree's number is {len(number)} characters long, more than "
                    f"{_MAX_NUMBER}: not a number",
                    file=file,
                    line=index + 1,
                    text=number,
                )
            return number, index
    raise DocumentError(
        "the decree's number («№ 1302-б») was not found before the plan table", file=file
    )


def _title(lines: list[str], start: int, stop: int) -> str:
    index = start
    while index < stop and (not lines[index] or _is_date_or_number(lines[index])):
        index += 1
    if index >= stop or lines[index].lower().startswith(_INTRO_STARTS):
        return ""
    parts = []
    while index < stop and lines[index] and not lines[index].lower().startswith(_INTRO_STARTS):
        parts.append(lines[index])
        index += 1
    return " ".join(parts)


def _is_date_or_number(line: str) -> bool:
    return bool(_WORD_DATE_RE.search(line) or _NUM_DATE_RE.search(line) or "№" in line)


def _points_and_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    points: list[str] = []
    signature: list[str] = []
    for line in lines:
        lower = line.lower()
        if not line:
            continue
        if lower.startswith(_STOPS):
            break
        if signature or (_is_position(line) and not _POINT_RE.match(line)):
            signature.append(line)
            continue
        match = _POINT_RE.match(line)
        if match:
            points.append(match[2])
        elif points:
            points[-1] += " " + line
    return points, signature


def _is_position(line: str) -> bool:
    return (
        len(line) <= 120
        and (line.lower().startswith(_POSITIONS) or bool(re.fullmatch(_PERSON, line)))
        and not line.endswith((".", ";", ":"))
    ) or bool(re.fullmatch(_PERSON, line))


def _curators(points: list[str]) -> tuple[Curator, ...]:
    """Units of the first point naming people in parentheses (point 2 of the seed)."""
    ordered = sorted(points, key=lambda p: 0 if points.index(p) == 1 else 1)
    for point in ordered:
        found: list[Curator] = []
        begin = 0
        for match in _PAREN_PERSON_RE.finditer(point):
            unit = point[begin : match.start()].strip(" ,;")
            unit = re.sub(r"^и\s+", "", unit)
            begin = match.end()
            if unit:
                found.append(Curator(unit=nominative_head(unit, drop_verb=True), person=match[1]))
        if found:
            return tuple(found)
    return ()


def _controller(control: str | None, signature: list[str]) -> Controller | None:
    if control is None:
        return None
    lowered = control.lower()
    assigned = re.search(r"(?:возложить|возлагаю|поручить)\s+на\s+(.+)$", control, re.IGNORECASE)
    if assigned and "за собой" not in lowered:
        text = assigned[1].rstrip(" ;")
        named = re.search(_PERSON, text)
        if named:
            position = text[: named.start()].strip(" ,")
            name = surname_nominative(named[0])
        else:
            position, name = text.rstrip("."), None
        position = nominative_head(position, drop_verb=False)
        return Controller(position=position[:1].upper() + position[1:], person=name)
    position_parts: list[str] = []
    person: str | None = None
    for line in signature:
        match = _PERSON_AT_END_RE.search(line)
        if match and person is None:
            person = match[1]
            before = line[: match.start()].strip()
            if before:
                position_parts.append(before)
        elif person is None:
            position_parts.append(line)
    if not position_parts:
        return None
    return Controller(position=" ".join(position_parts), person=person)


def _horizon(sources: list[str], adopted_in: int) -> int | None:
    """The plan's last year; a span ending before adoption («войне 1941 — 1945 годов») is none."""
    for source in sources:
        years = [int(m[1]) for pattern in _YEAR_RES for m in pattern.finditer(source)]
        years = [year for year in years if year >= adopted_in]
        if years:
            return max(years)
    return None
