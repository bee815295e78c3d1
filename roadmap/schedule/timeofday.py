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

# «14-00» as the whole cell: a day range cannot end on day 0 or 30 of nothing
_HYPHEN_ALONE = re.compile(r"(?P<clock>(?:[01]?\d|2[0-3])-(?:00|30))")


def lift_time(text: str) -> tuple[str, time | None]:
    """``text`` with the first time of day after a date blanked out, and that time."""
    # «09.00-09.30», «14-00» alone in the cell: times only, «09.00» is no date
    alone = _BARE.fullmatch(text.strip()) or _HYPHEN_ALONE.fullmatch(text.strip())
    date = None if alone else _DATE.search(text)
    found = _TIME.search(text, date.end()) if date else None
    if found is None:
        found = alone or _BARE.search(text)  # «ежедневно до 16.00», «не позднее 12.00 часов среды»
    if found is None:
        return text, None
    hour, minute = (int(x) for x in re.split(r"[.:\-]", found.group("clock")))
    blank = " " * (found.end() - found.start())
    return text[: found.start()] + blank + text[found.end() :], time(hour, minute)
