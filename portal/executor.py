"""The executor's routes (``/a/{token}``): the assignment page, the report, the extension."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from kontrol.portal import pages, service, tokens, uploads
from kontrol.portal.csrf import FIELD, csrf_ok, csrf_token
from kontrol.portal.downloads import FileId, send_file
from kontrol.portal.forms import DONE_FORM, EXTENSION_FORM, read_small_form
from kontrol.portal.state import Portal, PortalDep

router = APIRouter()


def executor_page(
    portal: Portal,
    token: str,
    grant: tokens.Grant,
    *,
    status: int = 200,
    ok: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    with portal.sessions() as session:
        a = service.executor_assignment(session, grant)
        data = pages.assignment_page(
            session, a, grant, base=f"/a/{token}", rules=portal.rules, today=portal.today()
        )
    return portal.page(
        "assignment.html",
        status,
        **data,
        token=token,
        ok=ok,
        error=error,
        form=form or {},
        max_mb=f"{portal.config.max_upload_mb:g}",
        csrf_done=csrf_token(portal.keys, token, "done"),
        csrf_extension=csrf_token(portal.keys, token, "extension"),
    )


def submit(portal: Portal, grant: tokens.Grant, form: uploads.ParsedForm) -> service.Outcome:
    now = portal.clock()
    with portal.sessions() as session, session.begin():
        return service.submit_report(
            session,
            portal.context(grant, now),
            form.fields.get("report", ""),
            form.files,
            upload_dir=portal.upload_dir,
        )


def record_extension(portal: Portal, grant: tokens.Grant, fields: dict[str, str]) -> None:
    now = portal.clock()
    with portal.sessions() as session, session.begin():
        ctx = portal.context(grant, now)
        service.request_extension(session, ctx, fields.get("due_on", ""), fields.get("reason", ""))


def check_executor(portal: Portal, grant: tokens.Grant) -> None:
    """Refuse a link for another assignment before reading a byte of its upload."""
    with portal.sessions() as session:
        service.executor_assignment(session, grant)


async def _refused_form(
    portal: Portal,
    token: str,
    grant: tokens.Grant,
    exc: uploads.UploadError | service.PortalError,
    form: dict[str, str],
) -> HTMLResponse:
    """The page again, saying what was wrong, with what was typed still in the form."""
    return await run_in_threadpool(
        executor_page, portal, token, grant, status=exc.status, error=exc.message, form=form
    )


@router.get("/a/{token}", response_class=HTMLResponse)
def view(token: str, portal: PortalDep, ok: str | None = None) -> HTMLResponse:
    grant = portal.grant(token, "view")
    return executor_page(portal, token, grant, ok=ok if ok in ("done", "extension") else None)


@router.post("/a/{token}/done", openapi_extra=DONE_FORM)
async def done(token: str, request: Request, portal: PortalDep) -> Response:
    grant = portal.grant(token, "view")
    await run_in_threadpool(check_executor, portal, grant)
    try:
        form = await uploads.parse_form(
            request.headers.get("content-type", ""),
            request.headers.get("content-length"),
            request.stream(),
            tmp_dir=portal.upload_dir / ".incoming",
            max_file_bytes=portal.config.max_upload_bytes,
        )
    except uploads.UploadError as exc:
        return portal.message("Файлы не приняты", exc.message, exc.status)
    try:
        if not csrf_ok(portal.keys, token, "done", form.fields.get(FIELD)):
            return portal.message(
                "Форма устарела", "Обновите страницу и отправьте отчёт ещё раз.", 403
            )
        try:
            await run_in_threadpool(uploads.check, form.files)
            outcome = await run_in_threadpool(submit, portal, grant, form)
        except (uploads.UploadError, service.Invalid, service.Conflict) as exc:
            return await _refused_form(portal, token, grant, exc, form.fields)
    finally:
        form.cleanup()
    await run_in_threadpool(portal.emit_all, outcome)
    return RedirectResponse(f"/a/{token}?ok=done", status_code=303)


@router.post("/a/{token}/extension", openapi_extra=EXTENSION_FORM)
async def extension(token: str, request: Request, portal: PortalDep) -> Response:
    grant = portal.grant(token, "view")
    await run_in_threadpool(check_executor, portal, grant)
    try:
        fields = await read_small_form(request)
    except uploads.UploadError as exc:
        return portal.message("Запрос не выполнен", exc.message, exc.status)
    if not csrf_ok(portal.keys, token, "extension", fields.get(FIELD)):
        return portal.message("Форма устарела", "Обновите страницу и повторите.", 403)
    try:
        await run_in_threadpool(record_extension, portal, grant, fields)
    except (service.Invalid, service.Conflict) as exc:
        return await _refused_form(portal, token, grant, exc, fields)
    return RedirectResponse(f"/a/{token}?ok=extension", status_code=303)


@router.get("/a/{token}/files/{file_id}")
def executor_file(token: str, file_id: FileId, portal: PortalDep) -> Response:
    return send_file(portal, portal.grant(token, "view"), file_id, service.attachment_for_executor)
