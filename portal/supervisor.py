"""A supervisor's read-only routes: one assignment (``/s/{token}``, the links of the escalation
digests) and everything overdue under them (``/o/{token}``, the link of their daily mail)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from kontrol.mail import render as r
from kontrol.models import Body
from kontrol.portal import pages, service, tokens
from kontrol.portal.downloads import FileId, send_file
from kontrol.portal.state import Portal, PortalDep

router = APIRouter()


def oversee_page(portal: Portal, token: str, grant: tokens.Grant) -> HTMLResponse:
    """What the executor's page shows, without its forms: a supervisor watches, the
    executor reports and the curator decides by the links of their own mails."""
    with portal.sessions() as session:
        a = service.supervised_assignment(session, grant)
        data = pages.assignment_page(
            session, a, grant, base=f"/s/{token}", rules=portal.rules, today=portal.today()
        )
        viewer = session.get(Body, grant.body_id)
        assert viewer is not None  # supervises() matched it to a body row
        data["viewer"] = r.body_name(viewer)
    return portal.page("oversee.html", **data)


def overview_page(portal: Portal, grant: tokens.Overview) -> HTMLResponse:
    """Everything overdue under the supervisor today, each row its read-only view."""
    now = portal.clock()
    with portal.sessions() as session:
        body = service.overseer(session, grant)

        def link(assignment_id: int) -> str:
            token = tokens.oversee_token(
                assignment_id, body.id, secret_key=portal.keys, clock=lambda: now
            )
            return f"/s/{token}"

        data = pages.overview_page(
            session,
            body,
            today=portal.today(),
            rules=portal.rules,
            link=link,
        )
    return portal.page("overview.html", **data)


@router.get("/s/{token}", response_class=HTMLResponse)
def oversee(token: str, portal: PortalDep) -> HTMLResponse:
    return oversee_page(portal, token, portal.grant(token, tokens.OVERSEE))


@router.get("/s/{token}/files/{file_id}")
def supervisor_file(token: str, file_id: FileId, portal: PortalDep) -> Response:
    grant = portal.grant(token, tokens.OVERSEE)
    return send_file(portal, grant, file_id, service.attachment_for_supervisor)


@router.get("/o/{token}", response_class=HTMLResponse)
def overview(token: str, portal: PortalDep) -> HTMLResponse:
    return overview_page(
        portal,
        tokens.read_overview(
            token, secret_key=portal.keys, now=portal.clock(), ttl=portal.config.ttl
        ),
    )
