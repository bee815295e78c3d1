"""Errors the CLI shows to a person: each knows its exit code and prints one clear line."""

from __future__ import annotations


class KontrolError(Exception):
    """A problem a user can act on; never shown as a traceback."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class NotFound(KontrolError):
    """A named thing (roadmap, item, assignment, body) does not exist."""
