"""Values checked by msgspec, with what a person reads when one is wrong.

The settings and the policy are converted from text (an environment variable, a YAML file) by
``msgspec.convert``; its messages are written for JSON («Expected `int` <= 65535», «Invalid enum
value 'ssl'»). ``words`` says the same as a person would, naming the choices of a field where
msgspec does not.
"""

from __future__ import annotations

import re
import typing
from typing import Any

import msgspec

__all__ = ["converted", "located", "number_text", "words"]

_BOUND = re.compile(r"^Expected `(?P<kind>\w+)` (?P<op>[<>]=?) (?P<limit>\S+)$")
_OPS = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than"}
_KINDS = {
    "int": "a whole number",
    "float": "a number",
    "str": "text",
    "bool": "true or false",
    "array": "a list",
    "object": "a mapping of settings",
}


def converted(value: object, kind: Any) -> Any:
    """``value`` as ``kind``; a number or a flag may be text, as a variable's value is."""
    if isinstance(value, str):
        value = number_text(value, kind)
    return msgspec.convert(value, kind, strict=False, dec_hook=_path)


def number_text(value: str, kind: Any) -> object:
    """Text of a number or flag field read as Python reads a number (« 8025 », «+25», «.5»:
    pydantic took these, msgspec does not) or as people write a flag; text that is neither
    is refused here (msgspec would take «null» for unset)."""
    allowed = _allowed(kind)
    text = value.strip()
    if bool in allowed:
        flag = _FLAGS.get(text.lower())
        if flag is None:
            raise ValueError(_KINDS["bool"] + " (yes or no, 1 or 0) is wanted")
        return flag
    for number in (int, float):
        if number in allowed:
            try:
                return number(text)
            except ValueError:
                raise ValueError(_KINDS[number.__name__] + " is wanted") from None
    return value


# the words pydantic took for a flag, kept: msgspec takes true/false/1/0 only
_FLAGS = dict.fromkeys(("true", "1", "yes", "on", "y", "t"), True) | dict.fromkeys(
    ("false", "0", "no", "off", "n", "f"), False
)


# «Expected `int` >= 0 - at `$.rule_pack.ongoing_due_day`», «Expected `str` - at `key` in `$`»
_AT = re.compile(r"(?s)(?P<said>.*?)(?: - at `(?:key` in `)?\$(?P<path>[^`]*)`)?$")


def located(message: str) -> tuple[str, str]:
    """(the words, the path after «$») of msgspec's «words - at `$.a.b`»; no path: ""."""
    found = _AT.match(message)
    return (found["said"], found["path"] or "") if found else (message, "")


def words(error: Exception | str, kind: Any = None) -> str:
    """What is wanted, in words, without msgspec's «- at `$…`» (the caller names the field)."""
    message = located(str(error))[0]
    bound = _BOUND.match(message)
    if bound:
        what = _KINDS.get(bound["kind"], bound["kind"])
        return f"{what} {_OPS[bound['op']]} {bound['limit'].removesuffix('.0')} is wanted"
    choices = [a for a in _allowed(kind) if isinstance(a, str)]
    if message.startswith("Invalid enum value") or (choices and message.startswith("Expected")):
        return "one of " + ", ".join(choices) + " is wanted"
    expected = re.match(r"^Expected `([\w |]+)`, got `\w+`$", message)
    if expected:
        kinds = [_KINDS.get(k, k) for k in expected[1].split(" | ") if k != "null"]
        return " or ".join(kinds) + " is wanted"
    return message


def _allowed(kind: Any) -> list[Any]:
    """The types and literal values a field takes (``int | None`` → [int, NoneType])."""
    if kind is None:
        return []
    origin = typing.get_origin(kind)
    if origin is typing.Annotated:
        return _allowed(typing.get_args(kind)[0])
    if origin is typing.Literal:
        return list(typing.get_args(kind))
    if origin in (typing.Union, _UnionType):
        return [a for part in typing.get_args(kind) for a in _allowed(part)]
    return [kind]


_UnionType = type(int | None)


def _path(kind: type, value: object) -> object:
    from pathlib import Path

    if kind is Path and isinstance(value, str | Path):
        return Path(value)
    raise TypeError("a path is wanted")  # msgspec turns it into a ValidationError
