"""Schedule phrase → ``Schedule``: normalise, parse with the lark grammar, give clauses meaning.

The grammar (grammar.lark) carries the language; :mod:`.transform` turns the parse tree into
typed clauses and :mod:`.combine` gives each phase's clauses their meaning.  Normalisation
keeps every position (:mod:`.normalisation`), so errors point into the phrase as written.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from functools import cache, lru_cache
from importlib.resources import files

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from kontrol.roadmap.errors import ScheduleSyntaxError, ScheduleValueError
from kontrol.roadmap.schedule.combine import combine
from kontrol.roadmap.schedule.footnotes import lift_footnotes
from kontrol.roadmap.schedule.grammar_cache import cache_dir, cached_parser
from kontrol.roadmap.schedule.model import Flag, Kind, Phase, Schedule
from kontrol.roadmap.schedule.normalisation import normalise
from kontrol.roadmap.schedule.timeofday import lift_time
from kontrol.roadmap.schedule.transform import ClauseTransformer

__all__ = ["normalise", "parse_schedule", "time_of_day"]

_MAX_LEN = 1000


@cache
def _parser() -> Lark:
    """Built once per process, and loaded from the user's cache when built before."""
    text = files("kontrol.roadmap.schedule").joinpath("grammar.lark").read_text(encoding="utf-8")
    return cached_parser(text, lambda: build_parser(text), cache_dir())


def build_parser(grammar: str) -> Lark:
    return Lark(grammar, parser="earley", lexer="dynamic", propagate_positions=True)


def _syntax_error(phrase: str, exc: UnexpectedInput, item: str | None) -> ScheduleSyntaxError:
    pos: int | None
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream
    elif isinstance(exc, UnexpectedEOF):
        stripped = phrase.rstrip(" \t\r\n\u00a0.,;")
        pos = max(stripped.rfind(" "), stripped.rfind("\u00a0")) + 1
    else:
        pos = exc.pos_in_stream or 0
    pos = min(max(pos or 0, 0), len(phrase))
    return ScheduleSyntaxError(
        "schedule phrase not understood", phrase=phrase, position=pos, item=item
    )


def _phases(phrase: str, tree: Tree[Token]) -> list[Phase]:
    """Each phase's meaning; its text runs to where the next phase starts."""
    raw = ClauseTransformer(phrase).transform(tree)
    starts = [p.start for p in raw] + [len(phrase)]
    return [
        combine(p, phrase[p.start : end].strip(" ,;"))
        for p, end in zip(raw, starts[1:], strict=True)
    ]


@lru_cache(maxsize=4096)
def time_of_day(phrase: str) -> time | None:
    """The time of day the phrase writes with its date, as ``parse_schedule`` gives it to every
    phase, without the Earley parse: a mail about an assignment needs this alone, and a sweep's
    process had parsed no phrase before (the first mails of a sweep paid ~60 ms a phrase)."""
    return lift_time(lift_footnotes(normalise(phrase))[0])[1]


@lru_cache(maxsize=4096)
def parse_schedule(phrase: str, *, item: str | None = None) -> Schedule:
    """Parse a schedule phrase; raises only ScheduleSyntaxError or ScheduleValueError.

    Remembered per process (a Schedule is frozen): an import, a plan, a simulation ask for
    the same few dozen phrases again and again, and an Earley parse costs milliseconds."""
    if not phrase.strip(" \t\r\n\u00a0.,;"):
        raise ScheduleSyntaxError("empty schedule phrase", phrase=phrase, position=0, item=item)
    if len(phrase) > _MAX_LEN:
        raise ScheduleSyntaxError(
            "schedule phrase too long", phrase=phrase, position=_MAX_LEN, item=item
        )
    text, marks = lift_footnotes(normalise(phrase))
    text, at = lift_time(text)
    if at is not None and not text.strip(" \t\r\n\u00a0.,;-"):  # a time with no date
        flag = Flag("time_only", phrase.strip())
        alone = Phase(None, Kind.ON_DEMAND, flags=(flag,), own_period=False, text=phrase, time=at)
        return Schedule(phrase=phrase, phases=(alone,))
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(phrase, exc, item) from None
    try:
        phases = _phases(phrase, tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, ScheduleValueError):
            raise ScheduleValueError(exc.orig_exc.message, item=item, text=phrase) from None
        raise
    except ScheduleValueError as exc:
        raise ScheduleValueError(exc.message, item=item, text=phrase) from None
    if at is not None:
        phases = [replace(p, time=at) for p in phases]
    if marks:  # the note under the table: kept with every obligation of the cell
        note = Flag("footnote", " ".join(marks))
        phases = [replace(p, flags=(*p.flags, note)) for p in phases]
    return Schedule(phrase=phrase, phases=tuple(phases))
