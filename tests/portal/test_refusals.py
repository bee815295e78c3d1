"""A link is a capability: forged, altered, expired or someone else's → 403, nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest

from kontrol.models.report import Attachment
from kontrol.portal import tokens
from tests.portal import files
from tests.portal.conftest import KEY, PortalEnv, csrf_of
from tests.portal.helpers import link_in, request_extension, submit_report


def _tries(env: PortalEnv, token: str, csrf: str) -> list[int]:
    """Every executor action with ``token``: the status codes."""
    return [
        env.client.get(f"/a/{token}").status_code,
        env.client.post(
            f"/a/{token}/done",
            data={"report": "x", "csrf": csrf},
            files=[("files", ("a.pdf", files.PDF, "application/pdf"))],
        ).status_code,
        env.client.post(
            f"/a/{token}/extension",
            data={"due_on": "2021-04-30", "reason": "x", "csrf": csrf},
        ).status_code,
    ]


def _altered(token: str) -> str:
    payload, _, rest = token.partition(".")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    return f"{flipped}.{rest}"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda env: tokens.view_token(env.co, "loiro", secret_key="not-the-key"), id="forged"
        ),
        pytest.param(lambda env: _altered(env.token(env.co)), id="altered"),
        pytest.param(lambda env: env.token(env.co)[:-3], id="truncated"),
        pytest.param(lambda env: env.token(env.co, "committee"), id="other-body"),
        pytest.param(lambda env: env.token(env.lead, "loiro"), id="other-assignment"),
        pytest.param(
            lambda env: tokens.view_token(999_999, "loiro", secret_key=KEY), id="no-assignment"
        ),
        pytest.param(
            lambda env: tokens.decision_token("accept", env.co, "loiro", 1, secret_key=KEY),
            id="decision-token-as-view",
        ),
    ],
)
def test_a_bad_link_is_refused_and_changes_nothing(env: PortalEnv, make) -> None:  # type: ignore[no-untyped-def]
    token = make(env)
    from kontrol.portal.csrf import csrf_token

    before = env.snapshot()

    assert _tries(env, token, csrf_token(KEY, token, "done")) == [403, 403, 403]
    assert env.snapshot() == before


def test_an_expired_link_is_refused(env: PortalEnv) -> None:
    token = env.token(env.co)
    csrf = csrf_of(env.client.get(f"/a/{token}").text, "done-form")
    env.clock.now += dt.timedelta(days=61)
    before = env.snapshot()

    assert _tries(env, token, csrf) == [403, 403, 403]
    assert env.snapshot() == before
    assert "недействительна или устарела" in env.client.get(f"/a/{token}").text


def test_a_link_within_its_life_still_works(env: PortalEnv) -> None:
    token = env.token(env.co)
    env.clock.now += dt.timedelta(days=59)
    assert env.client.get(f"/a/{token}").status_code == 200


def test_csrf_missing_or_wrong_is_refused_and_changes_nothing(env: PortalEnv) -> None:
    token = env.token(env.co)
    other_form = csrf_of(env.client.get(f"/a/{token}").text, "extension-form")
    other_link = csrf_of(env.client.get(f"/a/{env.token(env.lead)}").text, "done-form")
    before = env.snapshot()

    for csrf in ("", "0" * 64, other_form, other_link):
        assert submit_report(env, token, csrf=csrf).status_code == 403
    no_field = env.client.post(
        f"/a/{token}/extension", data={"due_on": "2021-04-30", "reason": "x"}
    )
    assert no_field.status_code == 403
    assert env.snapshot() == before


def test_curator_links_cannot_be_swapped_altered_or_replayed(env: PortalEnv) -> None:
    request_extension(env, env.token(env.lead), "2021-04-30")
    (mail,) = env.outbox("extension_request")
    approve = link_in(mail.body_text, "approve")
    token = approve.rsplit("/", 1)[1]
    req_id = env.rows(__import__("kontrol.models.report").models.report.ExtensionRequest)[0].id
    from kontrol.portal.csrf import csrf_token

    bad = {
        "reject-token-on-approve": (approve, link_in(mail.body_text, "reject").rsplit("/", 1)[1]),
        "view-token": (approve, env.token(env.lead)),
        "altered": (approve, _altered(token)),
        "other-curator": (
            approve,
            tokens.decision_token("approve", env.lead, "loiro", req_id, secret_key=KEY),
        ),
        "other-assignment": (
            approve,
            tokens.decision_token("approve", env.co, "dept-general", req_id, secret_key=KEY),
        ),
        "other-request": (
            approve,
            tokens.decision_token("approve", env.lead, "dept-general", 999, secret_key=KEY),
        ),
    }
    before = env.snapshot()
    for name, (url, tok) in bad.items():
        path = url.rsplit("/", 1)[0] + "/" + tok
        csrf = csrf_token(KEY, tok, "decide-approve")
        assert env.client.get(path).status_code == 403, name
        assert env.client.post(path, data={"csrf": csrf}).status_code == 403, name
    assert env.client.get(f"/c/bogus/{token}").status_code == 403
    assert env.snapshot() == before

    env.clock.now += dt.timedelta(days=61)
    page = env.client.post(approve, data={"csrf": csrf_token(KEY, token, "decide-approve")})
    assert page.status_code == 403
    assert env.snapshot() == before


def test_a_file_of_another_assignment_is_refused(env: PortalEnv) -> None:
    submit_report(env, env.token(env.co), files=[("a.pdf", files.PDF)])
    (att,) = env.rows(Attachment)

    assert env.client.get(f"/a/{env.token(env.lead)}/files/{att.id + 1}").status_code == 403
    forged = tokens.view_token(env.co, "loiro", secret_key="nope")
    assert env.client.get(f"/a/{forged}/files/{att.id}").status_code == 403
