"""Parse tree → clauses: each rule of the grammar becomes a number, a window or a clause.

Impossible values raise ``ScheduleValueError`` here, where the words are at hand (lark wraps
it in a ``VisitError`` that :func:`.parser.parse_schedule` unwraps).
"""

from __future__ import annotations

from lark import Token, v_args
from lark.tree import Meta

from kontrol.roadmap.errors import ScheduleValueError
from kontrol.roadmap.schedule.clauses import (
    Clause,
    Dated,
    Due,
    OnDemand,
    OnEvent,
    Ongoing,
    Part,
    PhaseClauses,
    Recur,
    Remark,
    Span,
    Year,
)
from kontrol.roadmap.schedule.forms import (
    FormsTransformer,
    period_term,
    report_frequency,
    split_before_and_during,
)
from kontrol.roadmap.schedule.model import WHOLE_YEAR, Deadline, EventTerm, Flag, Window
from kontrol.roadmap.schedule.vocabulary import (
    NUMWORDS,
    ORDWORDS,
    ROMAN,
    check_day,
    check_year,
    event_term,
    month_of,
    quarter_window,
)

__all__ = ["ClauseTransformer"]

_MAX_LABEL = 100  # characters of a phase label (the database keeps 255)
_RECURRENCES = (
    ("ежегод", "yearly"),
    ("ежекварт", "quarterly"),
    ("ежемес", "monthly"),
    ("еженед", "weekly"),
    ("ежедн", "daily"),
    ("ежеполугод", "half_yearly"),
)
_PER_UNIT = (
    ("квартал", "quarterly"),
    ("месяц", "monthly"),
    ("полугод", "half_yearly"),
    ("полгод", "half_yearly"),
    ("недел", "weekly"),
)
_PER_YEAR = {2: "half_yearly", 4: "quarterly", 12: "monthly"}


def _times(count: int, every: int, unit: str) -> Recur:
    """«N раз в M <unit>» as a recurrence, when it fits calendar periods."""
    if count < 1 or every < 1:
        raise ScheduleValueError("a frequency must be at least once in one period")
    if unit.startswith(("год", "лет")):
        if count == 1:
            return Recur("yearly") if every == 1 else Recur("every_n_years", every)
        if every == 1 and count in _PER_YEAR:
            return Recur(_PER_YEAR[count])
    elif count == 1 and every == 1:
        for stem, freq in _PER_UNIT:
            if unit.startswith(stem):
                return Recur(freq)
    raise ScheduleValueError(f"{count} time(s) in {every} «{unit}» does not fit calendar periods")


def _dotdate(token: Token) -> tuple[int, int, int | None]:
    """«01.03», «01.03.21», «01.03.2021» → (day, month, year or None)."""
    parts = [int(p) for p in str(token).rstrip(".").split(".")]
    year = None
    if len(parts) == 3:
        year = check_year(parts[2] + (2000 if parts[2] < 100 else 0))
    return parts[0], parts[1], year


def _days_window(a: tuple[int, int], b: tuple[int, int]) -> Window:
    """From a day of a month to a day of a month, into the next year when it goes back."""
    (da, ma), (db, mb) = a, b
    check_day(da, ma, None)
    check_day(db, mb, None)
    offset = 0 if (ma, da) <= (mb, db) else 1
    return Window(f"D{ma:02d}{da:02d}-{mb:02d}{db:02d}", ma, da, mb, db, offset)


@v_args(inline=True)
class ClauseTransformer(FormsTransformer):
    """Parse tree → the phases' clauses; impossible values raise ScheduleValueError."""

    def __init__(self, phrase: str) -> None:
        super().__init__()
        self.phrase = phrase

    # numbers
    def ordnum(self, n: Token, _suffix: Token | None = None) -> int:
        return int(n)

    def roman(self, r: Token) -> int:
        return ROMAN[str(r)]

    def ordword(self, w: Token) -> int:
        return next(v for k, v in ORDWORDS.items() if str(w).startswith(k))

    def count(self, c: Token) -> int:
        return int(c) if c.type == "INT" else NUMWORDS[str(c)]

    def year_one(self, y: Token, _word: Token | None = None) -> int:
        return check_year(int(y))

    def day_month(self, d: Token, m: Token) -> tuple[int, int]:
        return int(d), month_of(str(m))

    # windows
    def quarter(self, n: int, _w: Token) -> Window:
        return quarter_window(n)

    def quarters(self, a: int, b: int, _w: Token) -> Window:
        qa, qb = quarter_window(a), quarter_window(b)
        if a >= b:
            raise ScheduleValueError(f"quarter range {a}-{b} is not increasing")
        return Window(f"Q{a}-Q{b}", qa.start_month, 1, qb.end_month)

    def half(self, n: int, _w: Token) -> Window:
        if n not in (1, 2):
            raise ScheduleValueError(f"there is no half-year {n}")
        return Window(f"H{n}", 6 * n - 5, 1, 6 * n)

    def month(self, m: Token) -> Window:
        n = month_of(str(m))
        return Window(f"{n:02d}", n, 1, n)

    def months(self, a: Token, b: Token) -> Window:
        ma, mb = month_of(str(a)), month_of(str(b))
        if ma == mb:
            raise ScheduleValueError("a month range needs two different months")
        # «октябрь - февраль» runs across the New Year
        return Window(f"M{ma:02d}-M{mb:02d}", ma, 1, mb, 0, 1 if ma > mb else 0)

    def cum_months(self, n: Token, _w: Token) -> Window:
        k = int(n)
        if not 1 <= k <= 12:
            raise ScheduleValueError(f"there is no month {k}")
        return Window("01" if k == 1 else f"M01-M{k:02d}", 1, 1, k)

    def academic(self, _w: Token) -> Window:
        return Window("AY", 9, 1, 5, 31, 1)

    def date_range(self, a: tuple[int, int], b: tuple[int, int]) -> Window:
        return _days_window(a, b)

    def day_span(self, a: Token, b: Token, m: Token) -> Window:
        """«3-9 марта», «с 1 по 15 июня»: days of one month."""
        month = month_of(str(m))
        if int(a) > int(b):
            raise ScheduleValueError(f"the days {a}-{b} go backwards")
        return _days_window((int(a), month), (int(b), month))

    def dated_days(self, *args: Token | tuple[int, int] | int) -> Dated:
        """«18 декабря 2015 г. - 10 января 2016 г.», «01.02.2015 - 28.02.2015»: one period."""
        days: list[tuple[int, int, int | None]] = []
        years = [a for a in args if isinstance(a, int)]
        for a in args:
            if isinstance(a, tuple):
                days.append((a[0], a[1], years[len(days)]))
            elif isinstance(a, Token) and a.type == "DOTDATE":
                days.append(_dotdate(a))
            elif isinstance(a, Token) and a.type == "DAY_DOT":  # «01.- 08.05.15»: its month
                days.append((int(str(a).rstrip(".")), 0, None))
        (da, ma, ya), (db, mb, yb) = days
        ma = ma or mb
        if ya is None and yb is not None:  # «13.10 - 15.10.2014»: the year written once
            ya = yb - 1 if (ma, da) > (mb, db) else yb
        if ya is None or yb is None:
            raise ScheduleValueError("a period between two dates needs the year of each")
        if (yb, mb, db) < (ya, ma, da) or yb - ya > 1:
            raise ScheduleValueError("the period goes backwards or spans more than a year")
        check_day(da, ma, ya)
        check_day(db, mb, yb)
        window = Window(f"D{ma:02d}{da:02d}-{mb:02d}{db:02d}", ma, da, mb, db, yb - ya)
        return Dated(window, ya)

    def month_span(self, a: Token, ya: int, b: Token, yb: int) -> Dated:
        """«Октябрь 2007 года - январь 2008 года»: one period from month to month."""
        ma, mb = month_of(str(a)), month_of(str(b))
        if (yb, mb) <= (ya, ma) or yb - ya > 1:
            raise ScheduleValueError("the period goes backwards or spans more than a year")
        # the key names the end year too («2007-M10-M01-2008»): both years are written
        return Dated(Window(f"M{ma:02d}-M{mb:02d}-{yb}", ma, 1, mb, 0, yb - ya), ya)

    # clauses: recurrence and parts of a year
    def recurrence(self, w: Token) -> Recur:
        s = str(w)
        for stem, freq in _RECURRENCES:
            if s.startswith(stem):
                return Recur(freq)
        raise ScheduleValueError(f"unknown recurrence «{s}»")  # unreachable by the grammar

    def times(self, *args: Token | int) -> Recur:
        count, every, unit = 1, 1, ""
        for a in args:
            if isinstance(a, int):
                count = a
            elif a.type == "INT":
                every = int(a)
            elif a.type == "PER_UNIT":
                unit = str(a)
        return _times(count, every, unit)

    def qualifier(self, *args: Token | Window | list[Window]) -> Part | list[Part]:
        found = next(a for a in args if isinstance(a, Window | list))
        return [Part(w) for w in found] if isinstance(found, list) else Part(found)

    def whole_year(self, _p: Token, _w: Token) -> Part:
        return Part(WHOLE_YEAR)

    def dated(self, *args: Token | Window | list[Window] | int) -> Dated | list[Dated]:
        """[preposition] window year: the window (or a list of them) and the year."""
        found = next(a for a in args if isinstance(a, Window | list))
        year = next(a for a in args if isinstance(a, int))
        windows = found if isinstance(found, list) else [found]
        dated = [Dated(w, year) for w in windows]
        return dated if isinstance(found, list) else dated[0]

    def year_only(self, *args: Token | int) -> Year:
        return Year(next(a for a in args if isinstance(a, int)))

    def academic_dated(self, *args: Token) -> Dated:
        years = [int(a) for a in args if a.type == "YEAR"]
        if years[1] != years[0] + 1:
            raise ScheduleValueError(f"{years[0]}/{years[1]} is not an academic year")
        return Dated(Window("AY", 9, 1, 5, 31, 1), check_year(years[0]))

    # clauses: bounds
    def span(self, *args: Token) -> Span:
        y = [check_year(int(a)) for a in args if a.type == "YEAR"]
        if y[0] > y[1]:
            raise ScheduleValueError(f"the span {y[0]}-{y[1]} goes backwards")
        return Span(y[0], y[1])

    def span_lost(self, *args: Token) -> Span:
        return self.span(*args)

    def span_from(self, y: Token, _w: Token | None = None) -> Span:
        return Span(check_year(int(y)), None)

    def span_to(self, y: Token, _w: Token) -> Span:
        return Span(None, check_year(int(y)))

    # clauses: deadlines
    def deadline(self, first: Token | tuple[int, int], *rest: int | Token) -> Due:
        """A DOTDATE, or a day and month with an optional year; either may be followed by
        «года, следующего за отчетным»."""
        following = any(isinstance(r, Token) and r.type == "FOLLOWING" for r in rest)
        if isinstance(first, Token):
            day, month, year = _dotdate(first)
        else:
            (day, month), year = first, next((r for r in rest if isinstance(r, int)), None)
        if not 1 <= month <= 12:
            raise ScheduleValueError(f"there is no month {month}")
        check_day(day, month, year)
        if following and year is not None:
            raise ScheduleValueError("a dated deadline cannot follow «the reporting year»")
        return Due(Deadline(day=day, month=month, year=year, following_year=following))

    def deadline_end(self, _end: Token, year: int | Token) -> Due:
        """«до конца 2021 года» is «до 31 декабря 2021 г.»; «до конца года» every year."""
        return Due(Deadline(day=31, month=12, year=year if isinstance(year, int) else None))

    def deadline_rel(self, day: Token, *rest: Token) -> Due:
        d = int(day)
        if not 1 <= d <= 28:
            raise ScheduleValueError(f"day {d} of the next month is not in every month")
        report = " ".join(str(r) for r in rest if r.type == "REPORT")
        return Due(Deadline(day_next_month=d), implies=report_frequency(report, "monthly"))

    # clauses: words that are no dates
    @v_args(meta=True)
    def flag(self, meta: Meta, _children: list[Token]) -> Remark:
        return Remark(Flag("separate_plan", self._words(meta)))

    @v_args(meta=True)
    def on_demand(self, meta: Meta, _children: list[Token]) -> OnDemand:
        return OnDemand(self._words(meta))

    @v_args(meta=True)
    def on_event(self, meta: Meta, children: list[Token]) -> OnEvent | Due:
        offset: int | None = None
        unit: str | None = None
        words = [t for t in children if t.type == "EV_TEXT"]
        for t in children:
            if t.type in ("EV_OFFSET", "EV_ADJ"):
                offset, unit = event_term(t)
            elif t.type == "EV_ANCHOR" and offset is None and str(t).strip() != "после":
                raise ScheduleValueError(
                    "a term is needed before "
                    f"«{self.phrase[t.start_pos : t.end_pos].strip(' ,')}», "
                    "e.g. «в течение 5 рабочих дней со дня …»"
                )
        event = self.phrase[words[0].start_pos : words[-1].end_pos]
        event = " ".join(event.replace("«", " ").replace("»", " ").replace('"', " ").split())
        if (due := period_term(event, offset, unit)) is not None:
            return due  # «на 35-й рабочий день после отчетного периода»: no event, a period
        return OnEvent(EventTerm(event, offset, unit, self._words(meta)))

    def ongoing(self, _w: Token) -> Ongoing:
        return Ongoing()

    def _words(self, meta: Meta) -> str:
        return self.phrase[meta.start_pos : meta.end_pos].strip()

    # structure
    def clauses(self, *items: Clause | list[Clause] | Token) -> list[Clause]:
        out: list[Clause] = []
        for i in items:
            if isinstance(i, list):
                out += i
            elif isinstance(i, Clause):
                out.append(i)
        return out

    def labelled(self, label: Token, clauses: list[Clause]) -> PhaseClauses:
        text = (
            self.phrase[label.start_pos : label.end_pos].rstrip().rstrip(":-\u2013\u2014").strip()
        )
        if len(text) > _MAX_LABEL:  # «Разработка», «Организация работы»: a few words
            raise ScheduleValueError(f"a phase label of {len(text)} characters is too long")
        assert label.start_pos is not None  # the lexer places every token it makes
        return PhaseClauses(text, tuple(clauses), label.start_pos)

    def start(self, *items: list[Clause] | PhaseClauses | Token) -> list[PhaseClauses]:
        out: list[PhaseClauses] = []
        for i in items:
            if isinstance(i, list):
                out += split_before_and_during(PhaseClauses(None, tuple(i), 0))
            elif isinstance(i, PhaseClauses):
                out += split_before_and_during(i)
        return out
