"""A reply with a PDF is the report: the assignment is done, the file kept by its hash, the
curator gets the review mail through the real SMTP sink, the message lands in «processed»."""

from __future__ import annotations

from sqlalchemy import select

from kontrol.models import AuditEvent
from kontrol.models.report import Attachment, Report
from tests.replies.conftest import PDF, Desk


def test_a_reply_with_a_pdf_completes_the_assignment_and_the_curator_gets_the_review(desk: Desk):
    issued = desk.issued(desk.lead)
    assert "kontrol+a" in str(issued.reply_to) and "@edu.lenobl.example" in str(issued.reply_to)
    desk.deliver(
        desk.reply(
            desk.lead,
            "Исполнено, отчёт во вложении.",
            files=[("отчёт.pdf", "application/pdf", PDF)],
        )
    )

    [handled] = desk.fetch()

    assert (handled.outcome, handled.folder, handled.assignment_id) == (
        "done",
        "processed",
        desk.lead,
    )
    assert desk.assignment(desk.lead).status == "done"
    with desk.sessions() as s:
        report = s.scalars(select(Report)).one()
        attachment = s.scalars(select(Attachment)).one()
        audit = s.scalars(
            select(AuditEvent.action).where(AuditEvent.assignment_id == desk.lead)
        ).all()
    assert report.text == "Исполнено, отчёт во вложении."
    assert report.submitted_via.startswith("mail:")
    assert (attachment.original_name, attachment.content_type) == ("отчёт.pdf", "application/pdf")
    assert (desk.settings.upload_dir / attachment.stored_path).read_bytes() == PDF
    assert "report_submitted" in audit
    assert desk.folders() == {"INBOX": 0, "processed": 1, "rejected": 0}

    desk.send_outbox()
    reviews = [m for m in desk.recorder.messages() if m["X-Kontrol-Kind"] == "report_review"]
    assert len(reviews) == 1 and "отчёт.pdf" in reviews[0].get_body(("plain",)).get_content()


def test_the_assignment_mail_routes_replies_to_kontrol_and_the_curator(desk: Desk):
    desk.send_outbox()
    issued = [m for m in desk.recorder.messages() if m["X-Kontrol-Kind"] == "assignment_issued"]
    reply_to = [a.addr_spec for m in issued[:1] for a in m["Reply-To"].addresses]
    assert reply_to[0].startswith("kontrol+a") and len(reply_to[0].split("@")[0]) <= 64
    assert len(reply_to) == 2  # the curator stays in copy of every answer


def test_a_client_that_dropped_the_plus_address_is_followed_by_in_reply_to(desk: Desk):
    desk.deliver(desk.reply(desk.lead, "Исполнено.", to="kontrol@edu.lenobl.example"))

    [handled] = desk.fetch()

    assert (handled.outcome, handled.assignment_id) == ("done", desk.lead)


def test_an_html_only_reply_with_base64_text_is_a_report(desk: Desk):
    html = (
        '<div>Исполнено, данные&nbsp;направлены.</div><div class="gmail_quote">'
        "<blockquote>Поручение</blockquote></div>"
    )
    desk.deliver(desk.reply(desk.lead, "", html=html))

    [handled] = desk.fetch()

    assert handled.outcome == "done"
    with desk.sessions() as s:
        assert s.scalars(select(Report.text)).one() == "Исполнено, данные направлены."
