"""A time of day written with a date («1 сентября 10.00 ч.», «18.02.2018 г. с 09-00 до 16-00»).

The time is lifted out of the normalised phrase before parsing: its characters become spaces, so
every other position stays that of the phrase as written, and the grammar never has to tell
«10.00» (a time) from «10.12» (a date).  Only what follows a date is a time, and only minutes a
month cannot be (00 or 13-59), so a list of dates is never read as times; without a date
before it, only a whole or half hour with a dot or a colon («до 16.00») is one.  The time is kept on
the phase; it does not move due dates or working-day rules.
"""

from __future__ import annotations

import re
from datetime import time

__all__ = ["lift_time"]

_MONTH = r"(?:январ|феврал|март|апрел|ма[йяею]|июн|июл|август|сентябр|октябр|ноябр|декабр)[а-я]*"
_DATE = re.compile(rf"\d{{1,2}}\.\d{{1,2}}(?:\.\d{{2,4}})?|\d{{1,2}}\s+{_MONTH}")
_CLOCK = r"(?:[01]?\d|2[0-3])[.:\-](?:00|1[3-9]|[2-5]\d)"
_TIME = re.compile(
    rf"[\s,\-]*(?<![\d.])(?:(?:с|в|до)\s+)?(?P<clock>{_CLOCK})(?:\s*ч(?:ас[а-я]*)?\.?)?"
    rf"(?:\s*(?:-|до)\s*{_CLOCK}(?:\s*ч(?:ас[а-я]*)?\.?)?)?(?![\d.]*\d)"
)
# without a date before it, only «16.00», «12:30»: a whole or half hour, which no date can be
# («до 10.13» stays a 13th month, refused); the end of a range after it («09.00-09.30») goes too
_BARE = re.compile(
    r"(?<![\d.])(?:(?:с|в|до|не\s+позднее)\s+)?(?P<clock>(?:[01]?\d|2[0-3])[.:](?:00|30))"
    r"(?:\s*ч(?:ас[а-я]*)?\.?)?(?:\s*(?:-|до)\s*(?:[01]?\d|2[0-3])[.:][0-5]\d)?(?![\d.]*\d)"
)

# «14-00», «с 10-00» as the whole cell: a day range cannot end on day 0 or 30 of nothing
_HYPHEN_ALONE = re.compile(r"(?:(?:с|в|до)\s+)?(?P<clock>(?:[01]?\d|2[0-3])-(?:00|30))(?:\s*ч\.?)?")
# «10 часов», «с 10 до 15 часов»: whole hours named by the word
_HOURS_ALONE = re.compile(
    r"(?:(?:с|в|до)\s+)?(?P<clock>[01]?\d|2[0-3])(?:\s*(?:-|до)\s*(?:[01]?\d|2[0-3]))?"
    r"\s*час(?:ов|а)?\.?"
)


def _alone(text: str) -> re.Match[str] | None:
    """The time when it is all the cell says («09.00-09.30», «14-00», «10 часов»)."""
    whole = text.strip()
    return next(
        (m for r in (_BARE, _HYPHEN_ALONE, _HOURS_ALONE) if (m := r.fullmatch(whole))), None
    )


def _first_after_date(text: str, start: int = 0) -> re.Match[str] | None:
    date = _DATE.search(text, start)
    return _TIME.search(text, date.end()) if date else None


def lift_time(text: str) -> tuple[str, time | None]:
    """``text`` with its times of day blanked out, and the first of them.

    A cell may list several dates each with its time («24.01.2020 20.00 27.01.2020 17.00») or
    one date with two («09.05.2020 09.00 20.00»): every time goes, the phase keeps the first."""
    alone = _alone(text)
    found = alone or _first_after_date(text) or _BARE.search(text)
    if found is None:
        return text, None
    hour, *rest = (int(x) for x in re.split(r"[.:\-]", found.group("clock")))
    first = time(hour, rest[0] if rest else 0)
    while found is not None:
        blank = " " * (found.end() - found.start())
        text = text[: found.start()] + blank + text[found.end() :]
        found = None if alone else (_first_after_date(text, found.end()) or _BARE.search(text))
    return text, first
