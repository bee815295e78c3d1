"""A supervisor's daily mail links to their overview (``/o/``), whose every row opens a
read-only view of one assignment (``/s/``) for the supervisor the mail went to.

In the portal world (3.1.2, 2021-Q1) the committee (lead) and ЛОИРО (co-executor) both escalate
to the deputy chair, who is also the roadmap's controller; their curator is the roadmap's first
curator, dept-general. Any other body — the executors themselves, another curator, a
municipality — is refused, and the supervisor's link never opens the executor's page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest

from kontrol import ladder
from kontrol.mail.mailer import Mailer
from kontrol.models import Assignment, Body
from kontrol.models.report import Attachment
from kontrol.oversight import Overdue, supervisor
from kontrol.portal import tokens
from kontrol.portal.csrf import csrf_token
from tests.portal import files
from tests.portal.conftest import KEY, PortalEnv
from tests.portal.helpers import submit_report
from tests.portal.test_headers import _secure

AS_OF = dt.date(2021, 4, 12)
REFUSED = "недействительна или устарела"


def _digest(env: PortalEnv, level: str) -> tuple[str, str]:
    """The mail of the ``level`` supervisor reporting both assignments escalated to it today:
    (recipient id, text part)."""
    env.clock.now = dt.datetime.combine(AS_OF, dt.time(10), tzinfo=env.clock.now.tzinfo)
    with env.sessions() as s, s.begin():
        lead, co = s.get(Assignment, env.lead), s.get(Assignment, env.co)
        assert lead is not None and co is not None
        recipient = supervisor(s, co, level)
        assert recipient is not None
        lines = [
            Overdue(lead, 5, frozenset({"overdue", level}), level).line({level}),
            Overdue(co, 7, frozenset({"overdue", level}), level).line({level}),
        ]
        row = Mailer.of(env.settings).digest(
            s, recipient, as_of=AS_OF, lines=lines, news=lines, weekly=False, now=env.clock()
        )
        assert row is not None
        return recipient.id, row.content.body_text


def _links(text: str) -> list[str]:
    return re.findall(r"https://kontrol\.edu\.lenobl\.example(/[aso]/[\w.\-]+)", text)


def _oversee(env: PortalEnv, assignment_id: int, body_id: str) -> str:
    return tokens.oversee_token(assignment_id, body_id, secret_key=KEY, clock=env.clock)


@pytest.mark.parametrize(
    ("level", "recipient"),
    [(ladder.CURATOR, "dept-general"), (ladder.CONTROLLER, "deputy-chair")],
)
def test_the_digest_link_opens_an_overview_whose_rows_open_a_read_only_view(
    env: PortalEnv, level: str, recipient: str
) -> None:
    body_id, text = _digest(env, level)
    assert body_id == recipient
    (link,) = set(_links(text))
    assert link.startswith("/o/")  # no executor link to a supervisor, one link in all
    assert tokens.read_overview(link[3:], secret_key=KEY, now=env.clock()) == tokens.Overview(
        recipient, tokens.token_id(link[3:])
    )
    before = env.snapshot()
    overview = env.client.get(link)
    assert overview.status_code == 200, overview.text
    _secure(overview.headers)
    rows = re.findall(r'href="(/s/[\w.\-]+)"', overview.text)
    assert len(rows) == 2

    expected = ((env.co, "Ленинградский областной институт"), (env.lead, "Комитет общего"))
    for row, (aid, executor) in zip(rows, expected, strict=True):
        assert tokens.read(
            row.removeprefix("/s/"), purpose="oversee", secret_key=KEY, now=env.clock()
        ) == tokens.Grant(aid, recipient, tokens.token_id(row[3:]), "oversee")
        page = env.client.get(row)
        assert page.status_code == 200, page.text
        html = page.text
        _secure(page.headers)
        assert "п. 3.1.2" in html and "ресурсного центра" in html
        assert "I квартал 2021" in html and "марта 2021" in html
        assert executor in html
        # the overview lists what is overdue: each row's page says so, as the digest did
        assert 'id="status">просрочено<' in html and "Поручение выдано" in html
        assert "Только для просмотра" in html
        assert "<form" not in html and "csrf" not in html and 'method="post"' not in html
        assert "style=" not in html and "<script" not in html
    assert env.snapshot() == before


def test_the_view_shows_reports_and_their_files_but_changes_nothing(env: PortalEnv) -> None:
    submit_report(env, env.token(env.co), "Положение утверждено.", [("Отчёт.pdf", files.PDF)])
    (att,) = env.rows(Attachment)
    co, lead = _oversee(env, env.co, "dept-general"), _oversee(env, env.lead, "deputy-chair")
    before = env.snapshot()

    html = env.client.get(f"/s/{co}").text
    assert "выполнено" in html and "Положение утверждено." in html
    assert f'href="/s/{co}/files/{att.id}"' in html
    assert "Отправлен отчёт" in html  # the history
    assert "<form" not in html
    download = env.client.get(f"/s/{co}/files/{att.id}")
    assert download.status_code == 200 and download.content == files.PDF
    # the lead's page shows the co-executor's report, so its supervisor may read the file too
    assert env.client.get(f"/s/{lead}/files/{att.id}").status_code == 200
    assert env.client.get(f"/s/{co}/files/{att.id + 1}").status_code == 403
    stranger = _oversee(env, env.co, "committee")
    assert env.client.get(f"/s/{stranger}/files/{att.id}").status_code == 403

    for path in (f"/s/{co}", f"/s/{co}/done", f"/s/{co}/extension"):
        assert env.client.post(path, data={"csrf": "x"}).status_code in (404, 405)
    assert env.snapshot() == before


@pytest.mark.parametrize(
    "body", ["loiro", "committee", "dept-vocational", "mo-luzhsky", "no-such-body"]
)
def test_a_link_naming_a_body_that_does_not_supervise_is_refused(env: PortalEnv, body: str) -> None:
    page = env.client.get(f"/s/{_oversee(env, env.co, body)}")
    assert page.status_code == 403
    assert REFUSED in page.text
    _secure(page.headers)


def _reroute(env: PortalEnv, escalates_to: str | None) -> None:
    """ЛОИРО escalates to ``escalates_to``; the roadmap has no controller."""
    with env.sessions() as s, s.begin():
        loiro, co = s.get(Body, "loiro"), s.get(Assignment, env.co)
        assert loiro is not None and co is not None
        loiro.escalates_to_id = escalates_to
        co.obligation.item.roadmap.controller_body_id = None


def test_the_chain_is_followed_up_several_levels_and_checked_on_each_visit(
    env: PortalEnv,
) -> None:
    def status(body: str) -> int:
        return int(env.client.get(f"/s/{_oversee(env, env.co, body)}").status_code)

    _reroute(env, "mo-luzhsky")  # → dept-general (curator) → deputy-chair
    assert [status(b) for b in ("mo-luzhsky", "dept-general", "deputy-chair")] == [200] * 3
    deputy = _oversee(env, env.co, "deputy-chair")

    _reroute(env, None)  # off every chain; the curator is the roadmap's, dept-general
    assert env.client.get(f"/s/{deputy}").status_code == 403
    assert [status(b) for b in ("mo-luzhsky", "dept-general", "deputy-chair")] == [403, 200, 403]


def test_executor_and_supervisor_links_do_not_open_each_others_pages(env: PortalEnv) -> None:
    view = env.token(env.co)
    oversee = _oversee(env, env.co, "dept-general")
    # an executor's link naming a supervisor — what the digests used to carry
    view_as_supervisor = env.token(env.co, "dept-general")
    oversee_as_executor = _oversee(env, env.co, "loiro")
    before = env.snapshot()

    for token in (view, view_as_supervisor):
        assert env.client.get(f"/s/{token}").status_code == 403
    for token in (oversee, oversee_as_executor):
        assert env.client.get(f"/a/{token}").status_code == 403
        for action in ("done", "extension"):
            csrf = csrf_token(KEY, token, action)
            answer = env.client.post(
                f"/a/{token}/{action}",
                data={"report": "x", "due_on": "2021-04-30", "reason": "x", "csrf": csrf},
            )
            assert answer.status_code == 403
        assert env.client.get(f"/c/oversee/{token}").status_code == 403
        assert env.client.get(f"/c/accept/{token}").status_code == 403
    decision = tokens.decision_token("accept", env.co, "dept-general", 1, secret_key=KEY)
    assert env.client.get(f"/s/{decision}").status_code == 403
    assert env.snapshot() == before


def _altered(token: str) -> str:
    payload, _, rest = token.partition(".")
    return f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{rest}"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda env: tokens.oversee_token(env.co, "dept-general", secret_key="not-the-key"),
            id="forged",
        ),
        pytest.param(lambda env: _altered(_oversee(env, env.co, "dept-general")), id="altered"),
        pytest.param(lambda env: _oversee(env, env.co, "dept-general")[:-3], id="truncated"),
        pytest.param(lambda env: _oversee(env, 999_999, "dept-general"), id="no-assignment"),
    ],
)
def test_a_tampered_link_is_refused(env: PortalEnv, make: Callable[[PortalEnv], str]) -> None:
    page = env.client.get(f"/s/{make(env)}")
    assert page.status_code == 403
    assert REFUSED in page.text


def test_a_supervisor_link_expires_like_the_others(env: PortalEnv) -> None:
    token = _oversee(env, env.co, "dept-general")
    env.clock.now += dt.timedelta(days=59)
    assert env.client.get(f"/s/{token}").status_code == 200
    env.clock.now += dt.timedelta(days=2)
    page = env.client.get(f"/s/{token}")
    assert page.status_code == 403
    assert REFUSED in page.text
