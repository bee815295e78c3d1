"""Marking an assignment done with a report and files: stored by hash, audited, announced."""

from __future__ import annotations

import hashlib

from kontrol.models import Assignment
from kontrol.models.report import Attachment, Report
from kontrol.portal import tokens
from tests.portal import files
from tests.portal.conftest import PortalEnv, make_env
from tests.portal.helpers import link_in, submit_report


def test_done_with_a_file_closes_the_assignment_and_stores_the_file_by_hash(
    env: PortalEnv,
) -> None:
    token = env.token(env.co)

    answer = submit_report(env, token, files=[("Отчёт ЛОИРО.pdf", files.PDF)])

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/a/{token}?ok=done"
    page = env.client.get(answer.headers["location"])
    assert "Отчёт отправлен" in page.text
    assert "Отчёт ЛОИРО.pdf" in page.text
    a = env.assignment(env.co)
    assert a.status == "done"
    assert a.completed_at is not None
    assert a.completion_note == "Ресурсный центр создан, положение утверждено."
    (att,) = env.rows(Attachment)
    digest = hashlib.sha256(files.PDF).hexdigest()
    assert (att.sha256, att.size, att.content_type) == (digest, len(files.PDF), "application/pdf")
    assert att.stored_path == f"{digest[:2]}/{digest[2:4]}/{digest}"
    assert (env.upload_dir / att.stored_path).read_bytes() == files.PDF
    assert att.original_name == "Отчёт ЛОИРО.pdf"
    assert not list((env.upload_dir / ".incoming").iterdir())

    download = env.client.get(f"/a/{token}/files/{att.id}")
    assert download.status_code == 200
    assert download.content == files.PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")


def test_completion_is_audited_with_the_body_and_the_link_not_the_token(env: PortalEnv) -> None:
    token = env.token(env.co)
    submit_report(env, token, files=[("a.pdf", files.PDF)])

    actions = {e.action: e for e in env.audit(env.co)}
    assert {"issued", "done", "report_submitted"} <= set(actions)
    submitted = actions["report_submitted"]
    assert submitted.details["body"] == "loiro"
    assert submitted.details["via"] == tokens.token_id(token)
    assert submitted.actor == f"portal:loiro link:{tokens.token_id(token)}"
    assert all(token not in str(e.details) + e.actor for e in env.audit(env.co))


def test_completion_emits_a_prefect_event_for_the_body_with_the_item_related(
    env: PortalEnv,
) -> None:
    assert submit_report(env, env.token(env.co)).status_code == 303

    ((event, resource, related, payload),) = env.events
    assert event == "kontrol.assignment.completed"
    assert resource["prefect.resource.id"] == "kontrol.body.loiro"
    assert related[0]["prefect.resource.role"] == "item"
    assert related[0]["prefect.resource.id"].endswith(".3.1.2")
    assert payload["assignment"] == env.co


def test_an_emitter_that_fails_does_not_undo_the_report(db_url: str, tmp_path) -> None:
    for env in make_env(db_url, tmp_path):
        env.client.app.state.portal.emit = _broken
        answer = submit_report(env, env.token(env.co))
        assert answer.status_code == 303
        assert env.assignment(env.co).status == "done"


def _broken(*_: object) -> None:
    raise ConnectionError("no Prefect here")


def test_the_curator_is_asked_to_accept_or_return(env: PortalEnv) -> None:
    submit_report(env, env.token(env.co), files=[("a.pdf", files.PDF)])

    (mail,) = env.outbox("report_review")
    assert mail.recipient_body_id == "dept-general"  # the roadmap's first curator
    assert mail.to_addrs and "general@" in mail.to_addrs[0]
    link_in(mail.body_text, "accept")
    link_in(mail.body_text, "return")
    assert "/a/" not in mail.body_text  # never the executor's own link
    (report,) = env.rows(Report)
    assert (report.review_status, report.reviewer_body_id) == ("pending", "dept-general")


def test_without_acceptance_no_curator_mail(db_url: str, tmp_path) -> None:
    for env in make_env(db_url, tmp_path, report_acceptance=False):
        submit_report(env, env.token(env.co))
        assert env.outbox("report_review") == []
        assert env.rows(Report)[0].review_status == "not_required"


def test_done_twice_is_refused_and_changes_nothing(env: PortalEnv) -> None:
    token = env.token(env.co)
    csrf_page = env.client.get(f"/a/{token}").text
    submit_report(env, token)
    before = env.snapshot()

    from tests.portal.conftest import csrf_of

    again = submit_report(env, token, csrf=csrf_of(csrf_page, "done-form"))

    assert again.status_code == 409
    assert env.snapshot() == before


def test_the_lead_sees_the_co_executors_report_and_may_open_its_files(env: PortalEnv) -> None:
    co_token, lead_token = env.token(env.co), env.token(env.lead)
    submit_report(env, co_token, "Часть ЛОИРО готова", files=[("loiro.pdf", files.PDF)])
    (att,) = env.rows(Attachment)

    page = env.client.get(f"/a/{lead_token}").text

    assert "Часть ЛОИРО готова" in page
    assert f"/a/{lead_token}/files/{att.id}" in page
    assert env.client.get(f"/a/{lead_token}/files/{att.id}").content == files.PDF


def test_a_co_executor_cannot_open_the_leads_files(env: PortalEnv) -> None:
    submit_report(env, env.token(env.lead), files=[("lead.pdf", files.PDF)])
    (att,) = env.rows(Attachment)

    answer = env.client.get(f"/a/{env.token(env.co)}/files/{att.id}")

    assert answer.status_code == 403
    assert files.PDF not in answer.content


def test_the_done_assignment_leaves_the_ladder(env: PortalEnv) -> None:
    from kontrol import ladder

    submit_report(env, env.token(env.lead))
    with env.sessions() as s:
        a = s.get(Assignment, env.lead)
        assert a is not None and a.status not in ladder.OPEN
