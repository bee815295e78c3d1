"""Normalisation of a schedule phrase before parsing: one character for one character.

Case, ё, dashes and spaces are folded, and nothing is inserted or removed, so a position in
the normalised text is the position in the original phrase: the offset map is the identity by
construction, and errors point at what the person wrote.
"""

from __future__ import annotations

__all__ = ["normalise"]

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"


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
