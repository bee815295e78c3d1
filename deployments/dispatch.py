"""Prefect's dual sync/async methods (``to_deployment``, ``run_deployment``) called from sync code.

Prefect types them as returning the value or a coroutine, whichever the caller's context asks
for; kontrol calls them only outside an event loop, where the value comes back.
"""

from __future__ import annotations

import inspect
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def synchronous(result: T | Coroutine[Any, Any, T]) -> T:
    """``result`` of a dual method called without a running loop: never a coroutine."""
    if inspect.iscoroutine(result):
        result.close()
        raise RuntimeError("a Prefect call made inside an event loop gave a coroutine")
    return result  # type: ignore[return-value]  # mypy cannot narrow a TypeVar by iscoroutine
