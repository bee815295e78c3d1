"""Errors of the pure roadmap layer.

Every error a user's input can cause is a ``RoadmapError``: it carries where the problem is
(file, line or row, item) and the offending text, so the CLI can print one actionable line and
exit with code 2.  Anything else escaping ``roadmap/`` is a bug.

    RoadmapError
    ├── DocumentError      the decree file cannot be read as a roadmap
    ├── DirectoryError     the directory of bodies is invalid
    ├── ScheduleSyntaxError  a schedule phrase is not in the schedule language
    ├── ScheduleValueError   a phrase parses but means something impossible («31 июня»)
    └── PolicyError        a policy file is invalid
"""

from __future__ import annotations

# what a table shows beside a schedule phrase kontrol could not read
NOT_UNDERSTOOD = "не распознано"


class RoadmapError(Exception):
    """A user's input is wrong; the message says where and why."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        item: str | None = None,
        text: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.item = item
        self.text = text

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file + (f":{self.line}" if self.line is not None else ""))
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.item:
            where.append(f"item {self.item}")
        head = ", ".join(where)
        tail = f": «{_shorten(self.text)}»" if self.text else ""
        return f"{head}: {self.message}{tail}" if head else f"{self.message}{tail}"


def _shorten(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DocumentError(RoadmapError):
    """The decree file cannot be read as a roadmap."""


class DirectoryError(RoadmapError):
    """The directory of bodies is invalid."""


class ScheduleError(RoadmapError):
    """Base of schedule-language errors."""


class ScheduleSyntaxError(ScheduleError):
    """A phrase is not in the schedule language.

    ``position`` is the 0-based offset of the first unread character in the phrase and
    ``fragment`` the unread rest, so a person can see exactly what was not understood.
    """

    def __init__(self, message: str, *, phrase: str, position: int, item: str | None = None):
        self.phrase = phrase
        self.position = position
        self.fragment = phrase[position:]
        super().__init__(
            f"{message} at position {position} («{self.fragment[:40]}»)",
            item=item,
            text=phrase,
        )


class ScheduleValueError(ScheduleError):
    """A phrase parses but names an impossible date or period."""


class PolicyError(RoadmapError):
    """A policy file or value is invalid."""
