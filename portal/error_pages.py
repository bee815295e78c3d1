"""How the portal answers what goes wrong: a Russian page for a person, JSON for the events
API (``/api/…``), whose senders expect it, errors included."""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kontrol.portal import service, tokens
from kontrol.portal.state import Portal, log

API = "/api/"  # the events API: JSON in, JSON out, errors included


def add_error_pages(app: FastAPI, portal: Portal) -> None:
    """Register the handlers: a bad link 403, an unknown page 404, a crash the 500 page."""

    def not_found() -> Response:
        return portal.message("Страница не найдена", "Проверьте ссылку из письма.", 404)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(API):
            return await http_exception_handler(request, exc)
        if exc.status_code == 404:
            return not_found()
        return portal.message("Запрос не выполнен", str(exc.detail), exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        """A path that names no page (a file id that is not one): 404, as for any other."""
        if request.url.path.startswith(API):
            # FastAPI's answer, but in ASCII: it echoes the input, which may hold an unpaired
            # surrogate (JSON's "\ud800") that UTF-8 cannot encode
            text = json.dumps({"detail": jsonable_encoder(exc.errors())}, ensure_ascii=True)
            return Response(text, 422, media_type="application/json")
        return not_found()

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        """An unexpected error: the Russian page (Starlette logs the traceback); the log line
        names the route's first part only — the path may carry a link."""
        log.error("server error on /%s: %s", request.url.path.split("/")[1], type(exc).__name__)
        if request.url.path.startswith(API):
            return JSONResponse({"detail": "internal error"}, status_code=500)
        return portal.message(
            "Ошибка на сервере",
            "Запрос не выполнен из-за ошибки на сервере. Повторите позже; если ошибка "
            "останется, ответьте на письмо с этой ссылкой.",
            500,
        )

    @app.exception_handler(tokens.InvalidLink)
    @app.exception_handler(service.Forbidden)
    async def refused(request: Request, exc: Exception) -> Response:
        log.warning("refused link on %s: %s", request.url.path.split("/")[1], exc)
        return portal.refused()
