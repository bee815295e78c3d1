"""A supervisor's overview (``/o/``): everything overdue under them, read-only, one link.

In the portal world (3.1.2, 2021-Q1, due in March) the committee (lead) and ЛОИРО (co-executor)
both escalate to the deputy chair, who is also the roadmap's controller; their curator is the
roadmap's first curator, dept-general. The link names only the supervisor; what it lists is
worked out on each visit, so it follows the chain as the directory has it now.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest

from kontrol.models import Assignment, Body
from kontrol.portal import tokens
from kontrol.portal.csrf import csrf_token
from tests.portal.conftest import KEY, MSK, PortalEnv
from tests.portal.test_headers import _secure

OVERDUE = dt.datetime(2021, 4, 12, 10, 0, tzinfo=MSK)  # both past due (24.03 and 31.03)
REFUSED = "недействительна или устарела"
ROW = re.compile(r'href="(/s/[\w.\-]+)"')


def _overview(env: PortalEnv, body_id: str) -> str:
    return tokens.overview_token(body_id, secret_key=KEY, clock=env.clock)


@pytest.mark.parametrize("body", ["dept-general", "deputy-chair"])
def test_a_supervisor_sees_what_is_overdue_under_them_and_each_row_opens(
    env: PortalEnv, body: str
) -> None:
    token = _overview(env, body)
    page = env.client.get(f"/o/{token}")  # 1 February: nothing is due yet
    assert page.status_code == 200, page.text
    assert "Просроченных поручений нет." in page.text and not ROW.findall(page.text)

    env.clock.now = OVERDUE
    token = _overview(env, body)  # the mail of that day (the first link has expired by then)
    before = env.snapshot()
    page = env.client.get(f"/o/{token}")
    assert page.status_code == 200, page.text
    _secure(page.headers)
    html = page.text
    assert "Просроченные поручения на 12 апреля 2021 г." in html
    assert "Просрочено 2 поручения: 1 пункт, 2 исполнителя." in html
    assert "Только для просмотра" in html
    assert "п. 3.1.2 Создание регионального «ресурсного центра»" in html
    # the worst first: ЛОИРО (due 24.03) before the committee (due 31.03)
    assert html.index(">ЛОИРО<") < html.index(">Комитет общего")
    assert "просрочено на 13 рабочих дней" in html and "просрочено на 8 рабочих дней" in html
    assert "<form" not in html and "csrf" not in html
    assert "style=" not in html and "<script" not in html
    rows = ROW.findall(html)
    assert len(rows) == 2
    for row, aid in zip(rows, (env.co, env.lead), strict=True):
        grant = tokens.read(row[3:], purpose=tokens.OVERSEE, secret_key=KEY, now=env.clock())
        assert (grant.assignment_id, grant.body_id) == (aid, body)
        assert env.client.get(row).status_code == 200
    for method in (env.client.post, env.client.put, env.client.delete):
        assert method(f"/o/{token}").status_code in (404, 405)
    assert env.snapshot() == before


def test_another_supervisor_sees_only_their_own(env: PortalEnv) -> None:
    env.clock.now = OVERDUE
    page = env.client.get(f"/o/{_overview(env, 'dept-vocational')}")  # the colleges' curator
    assert page.status_code == 200
    assert "Просроченных поручений нет." in page.text


@pytest.mark.parametrize("body", ["michurinsky", "mo-luzhsky", "no-such-body"])
def test_a_link_naming_a_body_that_oversees_nothing_is_refused(env: PortalEnv, body: str) -> None:
    env.clock.now = OVERDUE
    page = env.client.get(f"/o/{_overview(env, body)}")
    assert page.status_code == 403
    assert REFUSED in page.text
    _secure(page.headers)


def test_the_list_follows_the_chain_on_each_visit(env: PortalEnv) -> None:
    env.clock.now = OVERDUE
    token = _overview(env, "deputy-chair")
    assert len(ROW.findall(env.client.get(f"/o/{token}").text)) == 2
    with env.sessions() as s, s.begin():
        loiro, co = s.get(Body, "loiro"), s.get(Assignment, env.co)
        assert loiro is not None and co is not None
        loiro.escalates_to_id = None  # off the deputy chair's chain …
        co.obligation.item.roadmap.controller_body_id = None  # … and no controller any more
    (row,) = ROW.findall(env.client.get(f"/o/{token}").text)
    assert (
        tokens.read(row[3:], purpose=tokens.OVERSEE, secret_key=KEY, now=env.clock()).assignment_id
        == env.lead
    )


def test_overview_and_other_links_do_not_open_each_others_pages(env: PortalEnv) -> None:
    env.clock.now = OVERDUE
    overview = _overview(env, "dept-general")
    oversee = tokens.oversee_token(env.co, "dept-general", secret_key=KEY, clock=env.clock)
    view = env.token(env.co)
    decision = tokens.decision_token("accept", env.co, "dept-general", 1, secret_key=KEY)
    before = env.snapshot()
    for token in (oversee, view, decision):
        assert env.client.get(f"/o/{token}").status_code == 403
    for path in (f"/s/{overview}", f"/a/{overview}", f"/c/accept/{overview}"):
        assert env.client.get(path).status_code == 403, path
    answer = env.client.post(
        f"/a/{overview}/done", data={"report": "x", "csrf": csrf_token(KEY, overview, "done")}
    )
    assert answer.status_code == 403
    assert env.snapshot() == before


def _altered(token: str) -> str:
    payload, _, rest = token.partition(".")
    return f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{rest}"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda env: tokens.overview_token("dept-general", secret_key="not-the-key-" * 4),
            id="forged",
        ),
        pytest.param(lambda env: _altered(_overview(env, "dept-general")), id="altered"),
        pytest.param(lambda env: _overview(env, "dept-general")[:-3], id="truncated"),
        pytest.param(
            lambda env: tokens.overview_token("dept-general", secret_key=KEY).replace(".", "..", 1),
            id="respelled",
        ),
    ],
)
def test_a_tampered_link_is_refused(env: PortalEnv, make: Callable[[PortalEnv], str]) -> None:
    page = env.client.get(f"/o/{make(env)}")
    assert page.status_code == 403
    assert REFUSED in page.text


def test_an_overview_link_expires_like_the_others(env: PortalEnv) -> None:
    token = _overview(env, "dept-general")
    env.clock.now += dt.timedelta(days=59)
    assert env.client.get(f"/o/{token}").status_code == 200
    env.clock.now += dt.timedelta(days=2)
    page = env.client.get(f"/o/{token}")
    assert page.status_code == 403
    assert REFUSED in page.text
