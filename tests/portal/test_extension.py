"""An extension request goes to the curator with two signed links; the decision is mailed."""

from __future__ import annotations

import datetime as dt

from kontrol.mail.links import read_token
from kontrol.models.report import ExtensionRequest
from tests.portal.conftest import KEY, PortalEnv
from tests.portal.helpers import decide, link_in, request_extension

NEW_DUE = "2021-04-30"  # a Friday, a working day


def test_a_request_mails_the_curator_approve_and_reject_links(env: PortalEnv) -> None:
    answer = request_extension(env, env.token(env.lead), NEW_DUE)

    assert answer.status_code == 303
    assert "отправлена куратору" in env.client.get(answer.headers["location"]).text
    (req,) = env.rows(ExtensionRequest)
    assert (req.status, req.requested_due_on, req.curator_body_id) == (
        "pending",
        dt.date(2021, 4, 30),
        "dept-general",
    )
    (mail,) = env.outbox("extension_request")
    assert mail.recipient_body_id == "dept-general"
    link_in(mail.body_text, "approve")
    link_in(mail.body_text, "reject")
    assert "Не поступили данные муниципалитетов" in mail.body_text
    assert env.assignment(env.lead).due_on == dt.date(2021, 3, 31)  # nothing moved yet
    assert "extension_requested" in [e.action for e in env.audit(env.lead)]


def test_approve_moves_the_due_date_and_mails_the_executor(env: PortalEnv) -> None:
    request_extension(env, env.token(env.lead), NEW_DUE)
    (mail,) = env.outbox("extension_request")

    answer = decide(env, link_in(mail.body_text, "approve"), "Согласовано")

    assert answer.status_code == 303
    assert "Решение по этой ссылке принято" in env.client.get(answer.headers["location"]).text
    a = env.assignment(env.lead)
    assert (a.due_on, a.original_due_on, a.status) == (
        dt.date(2021, 4, 30),
        dt.date(2021, 3, 31),
        "issued",
    )
    (decision,) = env.outbox("extension_decision")
    assert decision.recipient_body_id == "committee"
    assert "Срок перенесён" in decision.subject
    assert "Согласовано" in decision.body_text
    actions = [e.action for e in env.audit(env.lead)]
    assert {"extended", "extension_approved"} <= set(actions)
    assert env.rows(ExtensionRequest)[0].status == "approved"
    # the executor's link in the decision mail still opens the page, with the new date
    token = decision.body_text.split("/a/")[1].split()[0]
    assert read_token(token, secret_key=KEY) == (env.lead, "committee")
    assert "30 апреля 2021" in env.client.get(f"/a/{token}").text


def test_reject_keeps_the_due_date_and_mails_the_executor(env: PortalEnv) -> None:
    request_extension(env, env.token(env.lead), NEW_DUE)
    (mail,) = env.outbox("extension_request")

    answer = decide(env, link_in(mail.body_text, "reject"), "Срок не переносится")

    assert answer.status_code == 303
    assert env.assignment(env.lead).due_on == dt.date(2021, 3, 31)
    (decision,) = env.outbox("extension_decision")
    assert "отказано" in decision.subject
    assert env.rows(ExtensionRequest)[0].status == "rejected"
    assert "extension_rejected" in [e.action for e in env.audit(env.lead)]


def test_a_second_decision_changes_nothing(env: PortalEnv) -> None:
    request_extension(env, env.token(env.lead), NEW_DUE)
    (mail,) = env.outbox("extension_request")
    approve, reject = link_in(mail.body_text, "approve"), link_in(mail.body_text, "reject")
    from tests.portal.conftest import csrf_of

    reject_csrf = csrf_of(env.client.get(reject).text, "decision-form")
    decide(env, approve)
    before = env.snapshot()

    late = env.client.post(reject, data={"comment": "", "csrf": reject_csrf})

    assert late.status_code == 409
    assert env.snapshot() == before
    assert "decision-form" not in env.client.get(approve).text  # decided: no form any more


def test_opening_a_decision_link_changes_nothing(env: PortalEnv) -> None:
    """Mail scanners open links: only the form's POST decides."""
    request_extension(env, env.token(env.lead), NEW_DUE)
    (mail,) = env.outbox("extension_request")
    before = env.snapshot()

    assert env.client.get(link_in(mail.body_text, "approve")).status_code == 200

    assert env.snapshot() == before


def test_a_non_working_or_earlier_date_is_refused_with_a_reason(env: PortalEnv) -> None:
    token = env.token(env.lead)
    before = env.snapshot()

    saturday = request_extension(env, token, "2021-05-01")
    earlier = request_extension(env, token, "2021-03-01")
    no_reason = request_extension(env, token, NEW_DUE, reason="  ")

    assert saturday.status_code == 400 and "нерабочий день" in saturday.text
    assert earlier.status_code == 400 and "позже действующего" in earlier.text
    assert no_reason.status_code == 400 and "причину" in no_reason.text
    assert env.snapshot() == before


def test_one_pending_request_at_a_time(env: PortalEnv) -> None:
    token = env.token(env.lead)
    request_extension(env, token, NEW_DUE)
    page = env.client.get(f"/a/{token}").text
    assert "ждёт решения куратора" in page
    assert 'id="extension-form"' not in page
