"""Form posts as a browser sends them: the page first (for its CSRF token), then the form."""

from __future__ import annotations

from typing import Any

from tests.portal.conftest import PortalEnv, csrf_of


def submit_report(
    env: PortalEnv,
    token: str,
    text: str = "Ресурсный центр создан, положение утверждено.",
    files: list[tuple[str, bytes]] | None = None,
    *,
    csrf: str | None = None,
) -> Any:
    if csrf is None:
        csrf = csrf_of(env.client.get(f"/a/{token}").text, "done-form")
    parts = [("files", (name, data, "application/pdf")) for name, data in files or []]
    # a browser sends an empty file part when no file is chosen: the form stays multipart
    return env.client.post(
        f"/a/{token}/done",
        data={"report": text, "csrf": csrf},
        files=parts or [("files", ("", b"", "application/octet-stream"))],
    )


def request_extension(
    env: PortalEnv, token: str, due_on: str, reason: str = "Не поступили данные муниципалитетов"
) -> Any:
    csrf = csrf_of(env.client.get(f"/a/{token}").text, "extension-form")
    return env.client.post(
        f"/a/{token}/extension", data={"due_on": due_on, "reason": reason, "csrf": csrf}
    )


def decide(env: PortalEnv, url: str, comment: str = "") -> Any:
    """Open a curator's link (``/c/{purpose}/{token}``) and submit its form."""
    page = env.client.get(url)
    assert page.status_code == 200, page.text
    csrf = csrf_of(page.text, "decision-form")
    return env.client.post(url, data={"comment": comment, "csrf": csrf})


def link_in(text: str, purpose: str) -> str:
    """The path of the curator's ``purpose`` link in a mail's text."""
    import re

    found = re.search(rf"https://kontrol\.edu\.lenobl\.example(/c/{purpose}/[\w.\-]+)", text)
    assert found is not None, f"no {purpose} link in:\n{text}"
    return found.group(1)
