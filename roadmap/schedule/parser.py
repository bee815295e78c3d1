"""Schedule phrase → ``Schedule``: normalise, parse with the lark grammar, give clauses meaning.

Normalisation maps every character to exactly one character (case, ё, dashes, spaces), so a
position in the normalised text is the position in the original phrase: the offset map is the
identity by construction.  The grammar carries the language; this module only combines the
clauses of a phase into a ``Phase`` and rejects impossible values.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from functools import cache
from importlib.resources import files
from itertools import pairwise

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from kontrol.roadmap.errors import ScheduleSyntaxError, ScheduleValueError
from kontrol.roadmap.schedule.model import (
    WHOLE_YEAR,
    DatedPeriod,
    Deadline,
    EventTerm,
    Flag,
    Kind,
    Phase,
    Schedule,
    Window,
)

__all__ = ["normalise", "parse_schedule"]

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
_MIN_YEAR, _MAX_YEAR = 1990, 2200
_MAX_LABEL = 100  # characters of a phase label (the database keeps 255)
_NUMWORDS = {
    "один": 1,
    "одного": 1,
    "одному": 1,
    "два": 2,
    "двух": 2,
    "дважды": 2,
    "три": 3,
    "трех": 3,
    "трижды": 3,
    "четыре": 4,
    "четырех": 4,
    "четырежды": 4,
    "двенадцать": 12,
    "двенадцати": 12,
}
_ORDWORDS = {"перв": 1, "втор": 2, "трет": 3, "четверт": 4}
_ROMAN = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
    "xi": 11,
    "xii": 12,
}
_MONTHS = (
    "январ",
    "феврал",
    "март",
    "апрел",
    "ма",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
)


def _norm_char(c: str) -> str:
    if c in _DASHES:
        return "-"
    if c.isspace():
        return " "
    low = c.lower()
    if len(low) != 1:
        return c
    return {"ё": "е", "і": "i", "\u00ab": "«", "\u201c": '"', "\u201d": '"'}.get(low, low)


def normalise(phrase: str) -> str:
    """Lower case, ё→е, dashes → «-», spaces → « »; same length as ``phrase``."""
    return "".join(_norm_char(c) for c in phrase)


@cache
def _parser() -> Lark:
    text = files("kontrol.roadmap.schedule").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(text, parser="earley", lexer="dynamic", propagate_positions=True)


# ── clauses ──────────────────────────────────────────────────────────────────────────────────
# Each clause becomes a tuple (tag, value); a phase is (label, [clauses]).


_EV_NUMBERS = {
    "один": 1,
    "одного": 1,
    "одно": 1,
    "два": 2,
    "двух": 2,
    "три": 3,
    "трех": 3,
    "четыре": 4,
    "четырех": 4,
    "пять": 5,
    "пяти": 5,
    "шесть": 6,
    "шести": 6,
    "семь": 7,
    "семи": 7,
    "восемь": 8,
    "восьми": 8,
    "девять": 9,
    "девяти": 9,
    "десять": 10,
    "десяти": 10,
    "пятнадцать": 15,
    "пятнадцати": 15,
    "двадцать": 20,
    "двадцати": 20,
    "тридцать": 30,
    "тридцати": 30,
}
_EV_NUMBER_RE = re.compile(r"\d{1,3}|" + "|".join(sorted(_EV_NUMBERS, key=len, reverse=True)))
_MAX_EVENT_DAYS = 366


def _event_term(token: Token) -> tuple[int, str]:
    """«в течение 5 (пяти) рабочих дней» → (5, "working_days")."""
    text = str(token)
    m = _EV_NUMBER_RE.search(text)
    assert m is not None  # the token's pattern has a number
    n = int(m.group()) if m.group().isdigit() else _EV_NUMBERS[m.group()]
    if not 1 <= n <= _MAX_EVENT_DAYS:
        raise ScheduleValueError(f"a term of {n} days after an event is not possible")
    return n, "working_days" if "рабоч" in text else "days"


def _month_of(word: str) -> int:
    for i, stem in enumerate(_MONTHS, start=1):
        if word.startswith(stem):
            return i
    raise ScheduleValueError(f"unknown month «{word}»")  # unreachable by the grammar


def _check_year(y: int) -> int:
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        raise ScheduleValueError(f"year {y} is outside {_MIN_YEAR}–{_MAX_YEAR}")
    return y


def _quarter(n: int) -> Window:
    if not 1 <= n <= 4:
        raise ScheduleValueError(f"there is no quarter {n}")
    return Window(f"Q{n}", 3 * n - 2, 1, 3 * n)


def _check_day(day: int, month: int, year: int | None) -> None:
    last = calendar.monthrange(year or 2000, month)[1]  # 2000: 29 February exists
    if not 1 <= day <= last:
        raise ScheduleValueError(f"there is no day {day} in month {month}")


@v_args(inline=True)
class _Clauses(Transformer):
    """Parse tree → clause tuples; impossible values raise ScheduleValueError."""

    def __init__(self, phrase: str) -> None:
        super().__init__()
        self.phrase = phrase

    # numbers
    def ordnum(self, n: Token, _suffix: Token | None = None) -> int:
        return int(n)

    def roman(self, r: Token) -> int:
        return _ROMAN[str(r)]

    def ordword(self, w: Token) -> int:
        return next(v for k, v in _ORDWORDS.items() if str(w).startswith(k))

    def count(self, c: Token) -> int:
        return int(c) if c.type == "INT" else _NUMWORDS[str(c)]

    def year_one(self, y: Token, _word: Token | None = None) -> int:
        return _check_year(int(y))

    def day_month(self, d: Token, m: Token) -> tuple[int, int]:
        return int(d), _month_of(str(m))

    # windows
    def quarter(self, n: int, _w: Token) -> Window:
        return _quarter(n)

    def quarters(self, a: int, b: int, _w: Token) -> Window:
        qa, qb = _quarter(a), _quarter(b)
        if a >= b:
            raise ScheduleValueError(f"quarter range {a}-{b} is not increasing")
        return Window(f"Q{a}-Q{b}", qa.start_month, 1, qb.end_month)

    def half(self, n: int, _w: Token) -> Window:
        if n not in (1, 2):
            raise ScheduleValueError(f"there is no half-year {n}")
        return Window(f"H{n}", 6 * n - 5, 1, 6 * n)

    def month(self, m: Token) -> Window:
        n = _month_of(str(m))
        return Window(f"{n:02d}", n, 1, n)

    def months(self, a: Token, b: Token) -> Window:
        ma, mb = _month_of(str(a)), _month_of(str(b))
        if ma >= mb:
            raise ScheduleValueError("a month range must go forward within a year")
        return Window(f"M{ma:02d}-M{mb:02d}", ma, 1, mb)

    def cum_months(self, n: Token, _w: Token) -> Window:
        k = int(n)
        if not 1 <= k <= 12:
            raise ScheduleValueError(f"there is no month {k}")
        return Window("01" if k == 1 else f"M01-M{k:02d}", 1, 1, k)

    def academic(self, _w: Token) -> Window:
        return Window("AY", 9, 1, 5, 31, 1)

    def date_range(self, a: tuple[int, int], b: tuple[int, int]) -> Window:
        (da, ma), (db, mb) = a, b
        _check_day(da, ma, None)
        _check_day(db, mb, None)
        offset = 0 if (ma, da) <= (mb, db) else 1
        return Window(f"D{ma:02d}{da:02d}-{mb:02d}{db:02d}", ma, da, mb, db, offset)

    # clauses
    def recurrence(self, w: Token) -> tuple:
        s = str(w)
        for stem, freq in (
            ("ежегод", "yearly"),
            ("ежекварт", "quarterly"),
            ("ежемес", "monthly"),
            ("еженед", "weekly"),
            ("ежеполугод", "half_yearly"),
        ):
            if s.startswith(stem):
                return ("recur", freq, 1)
        raise ScheduleValueError(f"unknown recurrence «{s}»")  # unreachable by the grammar

    def times(self, *args: Token | int) -> tuple:
        count, every, unit = 1, 1, ""
        for a in args:
            if isinstance(a, int):
                count = a
            elif a.type == "INT":
                every = int(a)
            elif a.type == "PER_UNIT":
                unit = str(a)
        if count < 1 or every < 1:
            raise ScheduleValueError("a frequency must be at least once in one period")
        if unit.startswith(("год", "лет")):
            if count == 1:
                return ("recur", "yearly", 1) if every == 1 else ("recur", "every_n_years", every)
            per_year = {2: "half_yearly", 4: "quarterly", 12: "monthly"}
            if every == 1 and count in per_year:
                return ("recur", per_year[count], 1)
        elif count == 1 and every == 1:
            for stem, freq in (
                ("квартал", "quarterly"),
                ("месяц", "monthly"),
                ("полугод", "half_yearly"),
                ("полгод", "half_yearly"),
                ("недел", "weekly"),
            ):
                if unit.startswith(stem):
                    return ("recur", freq, 1)
        raise ScheduleValueError(
            f"{count} time(s) in {every} «{unit}» does not fit calendar periods"
        )

    def qualifier(self, *args: Token | Window) -> tuple:
        return ("window", next(a for a in args if isinstance(a, Window)))

    def whole_year(self, _p: Token, _w: Token) -> tuple:
        return ("window", WHOLE_YEAR)

    def dated(self, *args: Token | Window | int) -> tuple:
        w, year = args[-2], args[-1]
        return ("dated", w, year)

    def year_only(self, *args: Token | int) -> tuple:
        return ("year", args[-1])

    def academic_dated(self, *args: Token) -> tuple:
        years = [int(a) for a in args if isinstance(a, Token) and a.type == "YEAR"]
        if years[1] != years[0] + 1:
            raise ScheduleValueError(f"{years[0]}/{years[1]} is not an academic year")
        return ("dated", Window("AY", 9, 1, 5, 31, 1), _check_year(years[0]))

    def span(self, *args: Token) -> tuple:
        y = [_check_year(int(a)) for a in args if isinstance(a, Token) and a.type == "YEAR"]
        if y[0] > y[1]:
            raise ScheduleValueError(f"the span {y[0]}-{y[1]} goes backwards")
        return ("span", y[0], y[1])

    def span_from(self, y: Token, _w: Token | None = None) -> tuple:
        return ("span", _check_year(int(y)), None)

    def span_to(self, y: Token, _w: Token) -> tuple:
        return ("span", None, _check_year(int(y)))

    def deadline(self, *args: Token | tuple | int) -> tuple:
        following = bool(args) and isinstance(args[-1], Token) and args[-1].type == "FOLLOWING"
        if following:
            args = args[:-1]
        first = args[0]
        if isinstance(first, Token):  # DOTDATE
            parts = [int(p) for p in str(first).split(".")]
            day, month = parts[0], parts[1]
            year = None
            if len(parts) == 3:
                year = _check_year(parts[2] + (2000 if parts[2] < 100 else 0))
        else:
            (day, month), year = first, (args[1] if len(args) > 1 else None)
        if not 1 <= month <= 12:
            raise ScheduleValueError(f"there is no month {month}")
        _check_day(day, month, year)
        if following and year is not None:
            raise ScheduleValueError("a dated deadline cannot follow «the reporting year»")
        return ("deadline", Deadline(day=day, month=month, year=year, following_year=following))

    def deadline_end(self, _end: Token, year: int | Token) -> tuple:
        """«до конца 2021 года» is «до 31 декабря 2021 г.»; «до конца года» every year."""
        return (
            "deadline",
            Deadline(day=31, month=12, year=year if isinstance(year, int) else None),
        )

    def deadline_rel(self, day: Token, *_rest: Token) -> tuple:
        d = int(day)
        if not 1 <= d <= 28:
            raise ScheduleValueError(f"day {d} of the next month is not in every month")
        return ("deadline", Deadline(day_next_month=d))

    @v_args(meta=True)
    def flag(self, meta, _children: list) -> tuple:
        return ("flag", Flag("separate_plan", self._words(meta)))

    @v_args(meta=True)
    def on_demand(self, meta, _children: list) -> tuple:
        return ("on_demand", self._words(meta))

    @v_args(meta=True)
    def on_event(self, meta, children: list[Token]) -> tuple:
        offset: int | None = None
        unit: str | None = None
        words = [t for t in children if t.type == "EV_TEXT"]
        for t in children:
            if t.type in ("EV_OFFSET", "EV_ADJ"):
                offset, unit = _event_term(t)
            elif t.type == "EV_ANCHOR" and offset is None and str(t).strip() != "после":
                raise ScheduleValueError(
                    "a term is needed before "
                    f"«{self.phrase[t.start_pos : t.end_pos].strip(' ,')}», "
                    "e.g. «в течение 5 рабочих дней со дня …»"
                )
        event = self.phrase[words[0].start_pos : words[-1].end_pos]
        event = " ".join(event.replace("«", " ").replace("»", " ").replace('"', " ").split())
        return ("on_event", EventTerm(event, offset, unit, self._words(meta)))

    def ongoing(self, _w: Token) -> tuple:
        return ("ongoing",)

    def _words(self, meta) -> str:
        return self.phrase[meta.start_pos : meta.end_pos].strip()

    # structure
    def clauses(self, *items: tuple | Token) -> list[tuple]:
        return [i for i in items if isinstance(i, tuple)]

    def labelled(self, label: Token, clauses: list[tuple]) -> tuple:
        text = self.phrase[label.start_pos : label.end_pos].rstrip().rstrip(":-").strip()
        if len(text) > _MAX_LABEL:  # «Разработка», «Организация работы»: a few words
            raise ScheduleValueError(f"a phase label of {len(text)} characters is too long")
        return (text, clauses, label.start_pos)

    def start(self, *items: list | tuple | Token) -> list[tuple]:
        out = []
        for i in items:
            if isinstance(i, list):
                out.append((None, i, 0))
            elif isinstance(i, tuple):
                out.append(i)
        return out


# ── phases ───────────────────────────────────────────────────────────────────────────────────


def _phase(label: str | None, clauses: list[tuple], text: str) -> Phase:
    """Combine one phase's clauses into its meaning (see docs/schedule.md)."""
    recur: set[tuple[str, int]] = set()
    pending: list[Window] = []
    pairs: list[tuple[Window, int]] = []
    years: list[int] = []
    spans: list[tuple[int | None, int | None]] = []
    deadlines: list[Deadline] = []
    flags: list[Flag] = []
    on_demand: list[str] = []
    events: list[EventTerm] = []
    ongoing = False
    prev = ""
    for clause in clauses:
        tag = clause[0]
        if tag == "recur":
            recur.add((clause[1], clause[2]))
        elif tag == "window":
            w = clause[1]
            if (
                w.key == "AY"
                and prev == "span"
                and spans[-1][0]
                and spans[-1][1] == (spans[-1][0] + 1)
            ):  # «2021-2022 учебный год» is one academic year, not a span
                pairs.append((w, spans.pop()[0]))
            else:
                pending.append(w)
        elif tag == "dated":
            pairs += [(w, clause[2]) for w in [*pending, clause[1]]]
            pending = []
        elif tag == "year":
            if deadlines and deadlines[-1].year is None and prev == "deadline":
                last = deadlines.pop()  # «до 1 марта, 2021 г.» is «до 1 марта 2021 г.»
                if last.following_year or last.day_next_month:
                    raise ScheduleValueError("a year cannot follow a relative deadline")
                deadlines.append(Deadline(day=last.day, month=last.month, year=clause[1]))
            elif pending:
                pairs += [(w, clause[1]) for w in pending]
                pending = []
            else:
                years.append(clause[1])
        elif tag == "span":
            spans.append((clause[1], clause[2]))
        elif tag == "deadline":
            deadlines.append(clause[1])
        elif tag == "flag":
            flags.append(clause[1])
        elif tag == "on_demand":
            on_demand.append(clause[1])
        elif tag == "on_event":
            events.append(clause[1])
        elif tag == "ongoing":
            ongoing = True
        prev = tag
    if len(recur) > 1:
        raise ScheduleValueError("two different recurrences in one phase")
    if len(spans) > 1 or (spans and years):
        raise ScheduleValueError("more than one span of years in one phase")
    flags += [Flag("on_demand_note", w) for w in on_demand]
    timed = recur or pending or pairs or years or spans or deadlines or ongoing
    base = {"label": label, "flags": tuple(dict.fromkeys(flags)), "text": text}
    if events:
        return _event_phase(
            events, recur or pending or pairs or deadlines or ongoing, spans, years, base
        )
    if on_demand and not timed:
        return Phase(kind=Kind.ON_DEMAND, own_period=False, **base)
    y_from, y_to = spans[0] if spans else (None, None)
    if years:
        y_from, y_to = min(years), max(years)
    dated_dl = [d for d in deadlines if d.year is not None]
    yearly_dl = tuple(d for d in deadlines if d.year is None)
    own = bool(spans or years or pairs or dated_dl)

    if recur or (pending and not pairs) or (yearly_dl and not pairs and not dated_dl):
        freq, interval = next(iter(recur)) if recur else ("yearly", 1)
        if pairs:
            if spans:
                raise ScheduleValueError("a dated period and a span of years in one phase")
            pending += [w for w, _ in pairs]
            y_from, y_to = min(y for _, y in pairs), max(y for _, y in pairs)
        if dated_dl:
            raise ScheduleValueError("a dated deadline in a recurring phase")
        windows = tuple(dict.fromkeys(w for w in pending if w != WHOLE_YEAR or len(pending) > 1))
        if windows and freq not in ("yearly", "every_n_years"):
            raise ScheduleValueError(f"a part of the year cannot narrow a {freq} recurrence")
        if ongoing:
            raise ScheduleValueError("«постоянно» and a recurrence in one phase")
        return Phase(
            kind=Kind.RECURRING,
            frequency=freq,
            interval=interval,
            windows=windows,
            deadlines=yearly_dl,
            year_from=y_from,
            year_to=y_to,
            own_period=own,
            **base,
        )
    if ongoing or (spans and not pairs and not deadlines):
        if pairs or deadlines or any(w != WHOLE_YEAR for w in pending):
            raise ScheduleValueError("«постоянно» with a single period in one phase")
        return Phase(kind=Kind.ONGOING, year_from=y_from, year_to=y_to, own_period=own, **base)
    if spans or yearly_dl:
        raise ScheduleValueError("a single period together with a span of years or a yearly date")
    periods = [_dated(w, y) for w, y in pairs] + [_dated(WHOLE_YEAR, y) for y in years]
    for d in dated_dl:
        due = date(d.year or 0, d.month, d.day)
        periods.append(DatedPeriod(due, due, due.isoformat(), due=due))
    if not periods:  # only flags: work by its own plan, reported at the ongoing cadence
        return Phase(kind=Kind.ONGOING, own_period=False, **base)
    periods.sort(key=lambda p: (p.start, p.end))
    for a, b in pairwise(periods):
        if b.start <= a.end:
            raise ScheduleValueError(f"periods {a.key} and {b.key} overlap")
    return Phase(kind=Kind.ONCE, periods=tuple(periods), own_period=True, **base)


def _event_phase(
    events: list[EventTerm],
    calendar_words: object,
    spans: list[tuple[int | None, int | None]],
    years: list[int],
    base: dict,
) -> Phase:
    """An event-relative phase: one event, optionally bounded by years; no calendar period."""
    if len(events) > 1:
        raise ScheduleValueError("two event-relative terms in one phase")
    if calendar_words:
        raise ScheduleValueError("an event-relative term and a calendar period in one phase")
    y_from, y_to = spans[0] if spans else (None, None)
    if years:
        y_from, y_to = min(years), max(years)
    return Phase(
        kind=Kind.ON_EVENT,
        event=events[0],
        year_from=y_from,
        year_to=y_to,
        own_period=False,
        **base,
    )


def _dated(w: Window, year: int) -> DatedPeriod:
    start, end = w.bounds(year)
    key = str(year) if w == WHOLE_YEAR else f"{year}-{w.key}"
    return DatedPeriod(start, end, key)


def _syntax_error(phrase: str, exc: UnexpectedInput, item: str | None) -> ScheduleSyntaxError:
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream
    elif isinstance(exc, UnexpectedEOF):
        stripped = phrase.rstrip(" \t\r\n\u00a0.,;")
        pos = max(stripped.rfind(" "), stripped.rfind("\u00a0")) + 1
    else:
        pos = getattr(exc, "pos_in_stream", None) or 0
    pos = min(max(pos or 0, 0), len(phrase))
    return ScheduleSyntaxError(
        "schedule phrase not understood", phrase=phrase, position=pos, item=item
    )


_MAX_LEN = 1000


def parse_schedule(phrase: str, *, item: str | None = None) -> Schedule:
    """Parse a schedule phrase; raises only ScheduleSyntaxError or ScheduleValueError."""
    if not phrase.strip(" \t\r\n\u00a0.,;"):
        raise ScheduleSyntaxError("empty schedule phrase", phrase=phrase, position=0, item=item)
    if len(phrase) > _MAX_LEN:
        raise ScheduleSyntaxError(
            "schedule phrase too long", phrase=phrase, position=_MAX_LEN, item=item
        )
    text = normalise(phrase)
    try:
        tree: Tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(phrase, exc, item) from None
    try:
        raw = _Clauses(phrase).transform(tree)
        phases = []
        for n, (label, clauses, start) in enumerate(raw):
            end = raw[n + 1][2] if n + 1 < len(raw) else len(phrase)
            phases.append(_phase(label, clauses, phrase[start:end].strip(" ,;")))
    except VisitError as exc:
        if isinstance(exc.orig_exc, ScheduleValueError):
            raise ScheduleValueError(exc.orig_exc.message, item=item, text=phrase) from None
        raise
    except ScheduleValueError as exc:
        raise ScheduleValueError(exc.message, item=item, text=phrase) from None
    return Schedule(phrase=phrase, phases=tuple(phases))
