"""The link in an assignment mail opens that assignment: what the executor needs to see."""

from __future__ import annotations

import datetime as dt
import re

from kontrol.mail.links import read_token
from kontrol.models import Body
from tests.portal.conftest import KEY, MSK, PortalEnv
from tests.portal.helpers import submit_report


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


def _status(html: str) -> str:
    found = re.search(r'<span class="badge (\w+)" id="status">([^<]*)</span>', html)
    assert found is not None, html
    return f"{found.group(1)}: {found.group(2)}"


def test_the_page_says_where_the_assignment_stands_today_not_what_the_sweep_last_stored(
    env: PortalEnv,
) -> None:
    """Past its due date with no sweep since, the stored status is still «issued»: the page
    says «просрочено», as ``kontrol status`` and the report do on that day."""
    due = env.assignment(env.co).due_on
    assert env.assignment(env.co).status == "issued"
    assert _status(env.client.get(f"/a/{env.token(env.co)}").text) == "open: на исполнении"

    env.clock.now = dt.datetime.combine(due + dt.timedelta(days=3), dt.time(10), tzinfo=MSK)
    assert env.assignment(env.co).status == "issued"
    assert _status(env.client.get(f"/a/{env.token(env.co)}").text) == "overdue: просрочено"
    team = env.client.get(f"/a/{env.token(env.lead)}").text  # the lead's page lists the team
    assert "просрочено" in team

    submit_report(env, env.token(env.co), "Сделано позже срока.", [])
    assert _status(env.client.get(f"/a/{env.token(env.co)}").text) == (
        "done_late: выполнено с опозданием"
    )


def test_a_report_before_the_due_date_is_done_on_time(env: PortalEnv) -> None:
    submit_report(env, env.token(env.co), "Сделано.", [])
    assert _status(env.client.get(f"/a/{env.token(env.co)}").text) == (
        "done_on_time: выполнено в срок"
    )
