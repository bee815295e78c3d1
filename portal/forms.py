"""The small forms the portal reads from the raw body, and their OpenAPI text.

The routes read their forms as streams (bounded, NUL-checked), so FastAPI cannot see them: the
schemas here tell clients and the fuzzing tests what each route takes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import Request

from kontrol.portal import uploads
from kontrol.portal.csrf import FIELD

SMALL_FORM = 64 * 1024
TEXT = {"type": "string"}


def _form(media: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI text of a form a route reads from the raw body."""
    schema = {"type": "object", "properties": fields}
    return {"requestBody": {"required": True, "content": {media: {"schema": schema}}}}


DONE_FORM = _form(
    "multipart/form-data",
    {
        "report": TEXT,
        FIELD: TEXT,
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
    },
)
EXTENSION_FORM = _form(
    "application/x-www-form-urlencoded", {"due_on": TEXT, "reason": TEXT, FIELD: TEXT}
)
DECISION_FORM = _form("application/x-www-form-urlencoded", {"comment": TEXT, FIELD: TEXT})


async def read_small_form(request: Request) -> dict[str, str]:
    """An urlencoded form of at most SMALL_FORM bytes, read as a stream; ``UploadError`` 413
    if larger, 400 if its text holds a NUL character."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > SMALL_FORM:
            raise uploads.UploadError(413, "Слишком длинная форма.")
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    fields = {k: v[-1] for k, v in parsed.items()}
    uploads.check_text(fields)
    return fields
