"""The portal's own pages that no link names: the front page and the style sheet."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from kontrol.portal.state import PortalDep
from kontrol.resources import resource

STATIC = resource("kontrol.portal", "static")

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(portal: PortalDep) -> HTMLResponse:
    return portal.message(
        "Страница исполнителя",
        "Откройте ссылку из письма о поручении: она ведёт прямо к нему.",
        200,
    )


@router.get("/static/portal.css")
def css() -> Response:
    return FileResponse(STATIC / "portal.css", media_type="text/css")
