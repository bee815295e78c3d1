"""Hand-made hostile requests: each once made the portal or the events API answer 500 (or with
no security headers, or accept what it should refuse). Every answer here is below 500, carries
the security headers, and a refused request changes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from kontrol.models.event import EventRecord
from kontrol.models.report import Attachment
from kontrol.portal import tokens
from kontrol.portal.middleware import SECURITY_HEADERS
from tests.conftest import REPO
from tests.portal import files
from tests.portal.conftest import KEY, PortalEnv, csrf_of, make_env
from tests.portal.helpers import link_in, submit_report

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from starlette.testclient import TestClient

SENDER = "procurement-token-0123456789"
BEARER = {"Authorization": f"Bearer {SENDER}"}


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PortalEnv]:
    """The portal with the events API configured (a sender, the example catalogue)."""
    monkeypatch.setenv(
        "KONTROL_EVENT_SENDERS", json.dumps({"procurement": {"token": SENDER, "events": ["*"]}})
    )
    events = REPO / "examples" / "lenobl" / "events.yaml"
    yield from make_env(db_url, tmp_path, settings_extra={"events": events})


@pytest.fixture
def client(env: PortalEnv) -> TestClient:
    """A client that gets the 500 a server sends instead of the exception behind it."""
    return TestClient(env.client.app, raise_server_exceptions=False, follow_redirects=False)


def _secure(response) -> None:  # type: ignore[no-untyped-def]
    missing = [h for h in SECURITY_HEADERS if h not in response.headers]
    assert not missing, f"{response.status_code} without {missing}"


def _file_routes(env: PortalEnv) -> list[str]:
    """The three file routes, each behind a valid link of its kind."""
    submit_report(env, env.token(env.co), files=[("a.pdf", files.PDF)])
    (review,) = env.outbox("report_review")
    oversee = tokens.oversee_token(env.co, "dept-general", secret_key=KEY, clock=env.clock)
    return [
        f"/a/{env.token(env.co)}/files",
        f"/s/{oversee}/files",
        f"{link_in(review.body_text, 'accept')}/files",
    ]


NO_IDS = [str(2**63), str(2**31), "99999999999999999999999", "-1", "0", "abc", "1.5", "%00"]


def test_a_file_id_that_is_no_id_is_404_not_500(env: PortalEnv, client: TestClient) -> None:
    """2⁶³ overflowed SQLite's integer (OverflowError), 2³¹ PostgreSQL's (DataError)."""
    for route in _file_routes(env):
        for file_id in NO_IDS:
            answer = client.get(f"{route}/{file_id}")
            assert answer.status_code == 404, (route, file_id, answer.text[:200])
            assert "Страница не найдена" in answer.text
            _secure(answer)


def test_a_signed_link_to_an_id_beyond_the_database_is_refused_not_500(
    env: PortalEnv, client: TestClient
) -> None:
    """Only a key holder can sign one, but 10³⁰ overflowed the driver as a file id did."""
    for aid in (10**30, 2**31):
        token = tokens.view_token(aid, "loiro", secret_key=KEY, clock=env.clock)
        answer = client.get(f"/a/{token}")
        assert answer.status_code == 403, answer.text[:200]
        _secure(answer)


def test_a_server_error_is_a_russian_page_with_the_security_headers(
    env: PortalEnv, client: TestClient
) -> None:
    token = env.token(env.co)
    with env.engine.begin() as db:  # a real fault: a table the page reads is gone
        db.execute(text("DROP TABLE extension_requests"))
        db.execute(text("DROP TABLE events"))

    page = client.get(f"/a/{token}")
    api = client.post("/api/events", json={"event": "contract_signed", "ref": "1"}, headers=BEARER)

    assert page.status_code == 500 and "Ошибка на сервере" in page.text
    assert page.headers["content-type"].startswith("text/html")
    assert token not in page.text
    assert api.status_code == 500 and api.json() == {"detail": "internal error"}
    _secure(page)
    _secure(api)


def _send(env: PortalEnv, client: TestClient, form: str, fields: dict[str, str]):  # type: ignore[no-untyped-def]
    token = env.token(env.co if form == "done" else env.lead)
    csrf = csrf_of(client.get(f"/a/{token}").text, f"{form}-form")
    data = {**fields, "csrf": csrf}
    if form == "done":
        empty = [("files", ("", b"", "application/octet-stream"))]
        return client.post(f"/a/{token}/done", data=data, files=empty)
    return client.post(f"/a/{token}/extension", data=data)


@pytest.mark.parametrize(
    ("form", "fields"),
    [
        ("done", {"report": "Сделано\x00"}),
        ("extension", {"due_on": "2021-06-30", "reason": "Нет\x00данных"}),
        ("extension", {"due_on": "2021-06-30", "reason": "x", "\x00": "y"}),
    ],
    ids=["report", "reason", "field-name"],
)
def test_a_nul_character_in_a_form_is_refused(
    env: PortalEnv, client: TestClient, form: str, fields: dict[str, str]
) -> None:
    before = env.snapshot()
    answer = _send(env, client, form, fields)
    assert answer.status_code == 400 and "NUL" in answer.text
    _secure(answer)
    assert env.snapshot() == before


def test_a_nul_character_in_a_curators_comment_is_refused(
    env: PortalEnv, client: TestClient
) -> None:
    submit_report(env, env.token(env.co))
    (review,) = env.outbox("report_review")
    accept = link_in(review.body_text, "accept")
    csrf = csrf_of(client.get(accept).text, "decision-form")
    before = env.snapshot()

    answer = client.post(accept, data={"comment": "ok\x00", "csrf": csrf})

    assert answer.status_code == 400 and "NUL" in answer.text
    assert env.snapshot() == before


def test_a_csrf_token_with_other_than_ascii_is_403(env: PortalEnv, client: TestClient) -> None:
    """``hmac.compare_digest`` raises on a str with non-ASCII characters."""
    token = env.token(env.lead)
    before = env.snapshot()
    for csrf in ("é", "токен", "\u2028"):
        answer = client.post(
            f"/a/{token}/extension", data={"due_on": "2021-06-30", "reason": "x", "csrf": csrf}
        )
        assert answer.status_code == 403, csrf
        _secure(answer)
    assert env.snapshot() == before


def _raw_post(app: Any, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """Call the ASGI app with exactly these header bytes (HTTP clients rewrite a bad
    Content-Length); the status it sends, even if it raises afterwards as Starlette does."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    with contextlib.suppress(Exception):
        asyncio.run(app(scope, receive, send))
    return int(next(m["status"] for m in sent if m["type"] == "http.response.start"))


def test_a_content_length_of_other_digits_is_not_a_number(env: PortalEnv) -> None:
    """``"²".isdigit()`` is true and ``int("²")`` fails; a header is Latin-1 text, byte B2 is
    «²». uvicorn refuses such a header itself; a server that passes it on must not get a 500.
    The form is read as usual (and refused here: it has no CSRF token)."""
    body = b"--x\r\nContent-Disposition: form-data; name=report\r\n\r\nok\r\n--x--\r\n"
    headers = [
        (b"content-type", b"multipart/form-data; boundary=x"),
        (b"content-length", b"\xb2"),
    ]
    status = _raw_post(env.client.app, f"/a/{env.token(env.co)}/done", headers, body)
    assert status == 403


def test_an_empty_file_is_refused_by_name_and_the_report_text_kept(
    env: PortalEnv, client: TestClient
) -> None:
    token = env.token(env.co)
    csrf = csrf_of(client.get(f"/a/{token}").text, "done-form")
    before = env.snapshot()

    answer = client.post(
        f"/a/{token}/done",
        data={"report": "Отчёт во вложении", "csrf": csrf},
        files=[
            ("files", ("приказ.pdf", files.PDF, "application/pdf")),
            ("files", ("пустой.pdf", b"", "application/pdf")),
        ],
    )

    assert answer.status_code == 400
    assert "Файл «пустой.pdf» пустой (0 байт)" in answer.text
    assert "Отчёт во вложении" in answer.text  # the form comes back filled in
    assert env.snapshot() == before
    assert not list((env.upload_dir / ".incoming").iterdir())  # no temporary file left


SHAPES = ["A" * 20_000, "привет.мир.x", "....", "a.b.c.d.e", "%2e%2e", "WzEsIngiXQ.AAAA.AAAA"]


def test_a_token_of_any_shape_is_403(env: PortalEnv, client: TestClient) -> None:
    for token in SHAPES:
        for path in (f"/a/{token}", f"/s/{token}", f"/c/accept/{token}", f"/a/{token}/files/1"):
            answer = client.get(path)
            assert answer.status_code == 403, path[:80]
            _secure(answer)


UNSTORABLE: list[dict[str, str] | str] = [
    {"event": "contract_signed", "ref": "ГК\x00-1"},  # PostgreSQL refuses NUL in text
    {"event": "contract_signed", "ref": "1", "note": "\x00"},
    '{"event": "contract_signed", "ref": "\\ud800"}',  # no UTF-8 for an unpaired surrogate
    {"event": "contract_signed", "ref": "2", "at": "0001-01-01T00:00:00+14:00"},  # no UTC time
    {"event": "contract_signed", "ref": "3", "at": "9999-12-31T23:59:59-14:00"},
    '{"event": ',
    "[]",
]


def test_the_events_api_refuses_what_it_cannot_store_in_json(
    env: PortalEnv, client: TestClient
) -> None:
    before = env.snapshot()
    for body in UNSTORABLE:
        if isinstance(body, str):
            headers = {**BEARER, "content-type": "application/json"}
            answer = client.post("/api/events", content=body.encode(), headers=headers)
        else:
            answer = client.post("/api/events", json=body, headers=BEARER)
        assert answer.status_code == 422, (body, answer.text[:300])
        assert answer.headers["content-type"] == "application/json"
        assert answer.json()["detail"]
        _secure(answer)
    assert env.snapshot() == before and env.rows(EventRecord) == []


def test_the_events_api_answers_json_in_the_portal_too(client: TestClient) -> None:
    """Its senders are programs: the portal's Russian pages are for people."""
    unauthorised = client.post("/api/events", json={"event": "contract_signed", "ref": "1"})
    assert unauthorised.status_code == 401
    assert unauthorised.json() == {"detail": "missing or unknown bearer token"}
    assert unauthorised.headers["www-authenticate"] == "Bearer"
    wrong_method = client.get("/api/events")
    assert wrong_method.status_code == 405 and wrong_method.json()["detail"]
    _secure(unauthorised)
    _secure(wrong_method)


def test_other_methods_are_405_with_the_headers(env: PortalEnv, client: TestClient) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        answer = client.request(method, f"/a/{env.token(env.co)}")
        assert answer.status_code == 405
        _secure(answer)


def test_head_on_a_link_answers_as_get_does_without_a_body(
    env: PortalEnv, client: TestClient
) -> None:
    """Mail scanners check a link with HEAD before the person clicks: not a 405."""
    submit_report(env, env.token(env.co), "Положение утверждено.", [("Отчёт.pdf", files.PDF)])
    before = env.snapshot()
    token = env.token(env.co)
    (att,) = env.rows(Attachment)
    file_route = f"/a/{token}/files/{att.id}"
    for path in (f"/a/{token}", "/static/portal.css", file_route, "/a/forged-token", "/nowhere"):
        got, head = client.get(path), client.head(path)
        assert (head.status_code, path) == (got.status_code, path)
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == str(len(got.content))
        _secure(head)
    assert client.head(f"/a/{token}").status_code == 200
    assert env.snapshot() == before  # HEAD changes nothing
