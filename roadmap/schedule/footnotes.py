"""Footnote marks in a schedule cell («Весь период <1>», «до 1 марта*», «ежегодно¹»).

A mark refers to a note under the table, not to a date: it is blanked out before parsing (spaces
keep every other position that of the phrase as written) and kept as a flag, so the note's
existence is shown with the obligation and no date is read from it.
"""

from __future__ import annotations

import re

__all__ = ["lift_footnotes"]

_MARK = re.compile(r"<\d{1,2}>|\*{1,3}|[¹²³⁴⁵⁶⁷⁸⁹⁰]+")


def lift_footnotes(text: str) -> tuple[str, tuple[str, ...]]:
    """``text`` with its footnote marks blanked out, and the marks as written."""
    marks = tuple(m.group(0) for m in _MARK.finditer(text))
    if not marks:
        return text, ()
    return _MARK.sub(lambda m: " " * len(m.group(0)), text), marks
