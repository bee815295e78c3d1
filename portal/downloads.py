"""Sending a stored file of a report to a link that may see it (each route group has its own
``…/files/{id}`` route and way to find the file)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from kontrol.models.report import Attachment
from kontrol.portal import tokens, uploads
from kontrol.portal.state import Portal

FileFinder = Callable[[Session, tokens.Grant, int], Attachment]
# the largest id an id column holds: INTEGER, 32 bits on PostgreSQL (which refuses to compare
# a larger number with it); SQLite's 64 bits (an OverflowError past them) are wider
MAX_ID = 2**31 - 1
FileId = Annotated[int, PathParam(ge=1, le=MAX_ID)]


def send_file(portal: Portal, grant: tokens.Grant, file_id: int, find: FileFinder) -> Response:
    with portal.sessions() as session:
        att = find(session, grant, file_id)
        path = uploads.stored_file(portal.upload_dir, att.stored_path)
        name, media = att.original_name, att.content_type
    if not path.is_file():
        return portal.message("Файл не найден", "Файл отсутствует в хранилище.", 404)
    disposition = uploads.content_disposition(name)
    return FileResponse(path, media_type=media, headers={"content-disposition": disposition})
