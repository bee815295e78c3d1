"""Security headers on every response: pages, refusals, files, errors."""

from __future__ import annotations

from kontrol.models.report import Attachment
from tests.portal import files
from tests.portal.conftest import PortalEnv
from tests.portal.helpers import submit_report


def _secure(headers) -> None:  # type: ignore[no-untyped-def]
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in headers


def test_headers_on_pages_refusals_files_and_errors(env: PortalEnv) -> None:
    token = env.token(env.co)
    submit_report(env, token, files=[("a.pdf", files.PDF)])
    (att,) = env.rows(Attachment)

    for path in (f"/a/{token}", "/a/forged", f"/a/{token}/files/{att.id}", "/nope", "/"):
        _secure(env.client.get(path).headers)
    _secure(env.client.post(f"/a/{token}/done", data={"csrf": "x"}).headers)


def test_pages_have_no_inline_scripts_or_styles(env: PortalEnv) -> None:
    html = env.client.get(f"/a/{env.token(env.co)}").text
    assert "<script" not in html
    assert "style=" not in html and "<style" not in html
    assert '<link rel="stylesheet" href="/static/portal.css">' in html
    assert env.client.get("/static/portal.css").headers["content-type"].startswith("text/css")
