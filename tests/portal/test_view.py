"""The link in an assignment mail opens that assignment: what the executor needs to see."""

from __future__ import annotations

import re

from kontrol.mail.links import read_token
from kontrol.models import Body
from tests.portal.conftest import KEY, PortalEnv


def test_the_mail_link_opens_its_assignment_with_item_period_due_role_and_history(
    env: PortalEnv,
) -> None:
    mail = next(m for m in env.outbox("assignment_issued") if m.assignment_id == env.co)
    token = re.search(r"https://kontrol\.edu\.lenobl\.example/a/([\w.\-]+)", mail.body_text)
    assert token is not None
    assert read_token(token.group(1), secret_key=KEY) == (env.co, "loiro")

    page = env.client.get(f"/a/{token.group(1)}")

    assert page.status_code == 200
    html = page.text
    assert "п. 3.1.2" in html
    assert "ресурсного центра" in html  # the activity
    assert "I квартал 2021" in html  # the period
    a = env.assignment(env.co)
    assert f"{a.due_on.day} марта 2021" in html  # the due date of a co-executor
    assert "соисполнитель" in html
    assert "Комитет общего и профессионального образования" in html  # the lead, named
    assert "на исполнении" in html
    assert "Поручение выдано" in html  # the history from the audit trail
    assert 'enctype="multipart/form-data"' in html


def test_everything_shown_is_escaped(env: PortalEnv) -> None:
    with env.sessions() as s, s.begin():
        body = s.get(Body, "committee")
        assert body is not None
        body.name = '<script>alert("x")</script> Комитет'

    html = env.client.get(f"/a/{env.token(env.co)}").text

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_the_home_page_lists_nothing(env: PortalEnv) -> None:
    page = env.client.get("/")
    assert page.status_code == 200
    assert "/a/" not in page.text
