"""The portal and its keys: a key change keeps the mailed links working while the old key is
listed as previous; a link is accepted in one spelling only; no portal without a real key."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI

from kontrol.errors import KontrolError
from kontrol.models import AuditEvent
from kontrol.portal.app import create_app
from kontrol.portal.pages import PortalSettings
from kontrol.portal.tokens import token_id
from tests.portal.conftest import KEY, RULES, PortalEnv, csrf_of, settings_for
from tests.portal.helpers import submit_report

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from starlette.testclient import TestClient

NEW = "portal-new-key-7c3e9a1f5b2d4068e1f2a3b4c5d6"


@contextmanager
def portal_on(env: PortalEnv, **keys: str | None) -> Iterator[TestClient]:
    """Another portal on the same database and files, with other keys (a restart)."""
    settings = settings_for(env.url, env.upload_dir, **keys)
    app: FastAPI = create_app(
        settings, now=env.clock, emit=lambda *e: None, config=PortalSettings(), rules=RULES
    )
    with TestClient(app, follow_redirects=False) as client:
        yield client
    app.state.portal.engine.dispose()


def test_after_a_key_change_the_mailed_links_work_while_the_old_key_is_previous(
    env: PortalEnv,
) -> None:
    mailed = env.token(env.co)  # signed with KEY, as the mails in the outbox are
    csrf = csrf_of(env.client.get(f"/a/{mailed}").text, "done-form")  # a form opened before

    with portal_on(env, secret_key=NEW) as stranded:
        assert stranded.get(f"/a/{mailed}").status_code == 403
    with portal_on(env, secret_key=NEW, secret_keys_previous=KEY) as rotated:
        assert rotated.get(f"/a/{mailed}").status_code == 200
        answer = rotated.post(
            f"/a/{mailed}/done",
            data={"report": "Сделано", "csrf": csrf},
            files=[("files", ("", b"", "application/octet-stream"))],
        )
        assert answer.status_code == 303, answer.text
        # a page the rotated portal serves carries a CSRF token of the new key
        lead = env.token(env.lead)
        fresh = csrf_of(rotated.get(f"/a/{lead}").text, "extension-form")
        assert fresh != csrf_of(env.client.get(f"/a/{lead}").text, "extension-form")

    assert env.assignment(env.co).status == "done"


@pytest.mark.parametrize(
    ("keys", "setting"),
    [
        ({"secret_key": None}, "KONTROL_SECRET_KEY is not set"),
        ({"secret_key": "kontrol-demo-key"}, "KONTROL_SECRET_KEY is the public demo key"),
        ({"secret_key": NEW, "secret_keys_previous": "kontrol-demo-key"}, "_PREVIOUS: key 1"),
    ],
    ids=["unset", "demo-key", "previous-demo-key"],
)
def test_the_portal_does_not_start_without_a_real_key(
    env: PortalEnv, keys: dict[str, str | None], setting: str
) -> None:
    with pytest.raises(KontrolError, match=setting), portal_on(env, **keys):
        pass


def _spellings(token: str) -> list[str]:
    """Other spellings of the same signature: a trailing ``=``, and a last character that
    differs only in the bits base64 ignores (the signature is 20 bytes: 27 characters, the
    last one carrying 4 bits)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    index = alphabet.index(token[-1])
    same_bits = [alphabet[i] for i in range(index - index % 4, index - index % 4 + 4)]
    return [token + "=", *(token[:-1] + c for c in same_bits if c != token[-1])]


def test_a_link_is_accepted_in_its_own_spelling_only(env: PortalEnv) -> None:
    token = env.token(env.co)
    others = _spellings(token)
    assert len(others) == 4
    before = env.snapshot()

    for other in others:
        assert env.client.get(f"/a/{other}").status_code == 403, other
        page = env.client.post(f"/a/{other}/extension", data={"csrf": "x"})
        assert page.status_code == 403
    assert env.snapshot() == before

    assert submit_report(env, token).status_code == 303
    (done,) = [e for e in env.rows(AuditEvent) if e.action == "report_submitted"]
    assert done.details["via"] == token_id(token)  # one link, one id in the audit trail
