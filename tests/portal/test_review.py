"""The curator accepts a report («снять с контроля») or returns it with a comment."""

from __future__ import annotations

import datetime as dt

from kontrol.models.report import Report
from tests.portal import files
from tests.portal.conftest import MSK, PortalEnv
from tests.portal.helpers import decide, link_in, submit_report


def _review_mail(env: PortalEnv) -> str:
    (mail,) = env.outbox("report_review")
    return mail.body_text


def test_accept_takes_the_assignment_off_control(env: PortalEnv) -> None:
    submit_report(env, env.token(env.co), files=[("a.pdf", files.PDF)])
    accept = link_in(_review_mail(env), "accept")
    page = env.client.get(accept).text
    assert "Ресурсный центр создан" in page and "a.pdf" in page  # the curator sees the report

    answer = decide(env, accept)

    assert answer.status_code == 303
    (report,) = env.rows(Report)
    assert (report.review_status, report.reviewer_body_id) == ("accepted", "dept-general")
    assert env.assignment(env.co).status == "done"
    assert "report_accepted" in [e.action for e in env.audit(env.co)]
    assert "снято с контроля" in env.client.get(f"/a/{env.token(env.co)}").text


def test_the_reviewer_can_open_the_reports_files(env: PortalEnv) -> None:
    submit_report(env, env.token(env.co), files=[("a.pdf", files.PDF)])
    accept = link_in(_review_mail(env), "accept")
    file_path = env.client.get(accept).text.split(f'href="{accept}/files/')[1].split('"')[0]

    assert env.client.get(f"{accept}/files/{file_path}").content == files.PDF


def test_return_reopens_the_assignment_and_tells_the_executor_why(env: PortalEnv) -> None:
    token = env.token(env.co)
    submit_report(env, token)
    back = link_in(_review_mail(env), "return")

    answer = decide(env, back, "Приложите приказ о создании центра")

    assert answer.status_code == 303
    a = env.assignment(env.co)
    assert (a.status, a.completed_at) == ("issued", None)
    (mail,) = env.outbox("report_returned")
    assert mail.recipient_body_id == "loiro"
    assert "Приложите приказ о создании центра" in mail.body_text
    assert "/a/" in mail.body_text  # the executor's own link to report again
    assert "report_returned" in [e.action for e in env.audit(env.co)]
    page = env.client.get(f"/a/{token}").text
    assert "возвращён на доработку" in page and 'id="done-form"' in page

    assert submit_report(env, token, "Приказ приложен").status_code == 303
    assert env.assignment(env.co).status == "done"
    assert [r.review_status for r in env.rows(Report)] == ["returned", "pending"]


def test_a_returned_assignment_past_its_due_date_is_overdue_again(env: PortalEnv) -> None:
    submit_report(env, env.token(env.co))
    env.clock.now = dt.datetime(2021, 3, 29, 10, 0, tzinfo=MSK)  # within the links' 60 days

    decide(env, link_in(_review_mail(env), "return"), "Доработать")

    assert env.assignment(env.co).status == "overdue"


def test_return_needs_a_comment(env: PortalEnv) -> None:
    submit_report(env, env.token(env.co))
    back = link_in(_review_mail(env), "return")
    before = env.snapshot()

    answer = decide(env, back, "   ")

    assert answer.status_code == 400
    assert env.snapshot() == before
