"""Fault injection for crash tests: ``KONTROL_FAULT=<point>`` kills the process at that point.

Used by the idempotency tests to kill a run between issuing and finishing, the way a lost
worker would; inert unless the variable names the point.
"""

from __future__ import annotations

import os


def point(name: str) -> None:
    if os.environ.get("KONTROL_FAULT") == name:
        os._exit(137)
