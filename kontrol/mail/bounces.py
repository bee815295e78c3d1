"""A bounce of our own mail, arriving later as a DSN in kontrol's mailbox, fails its outbox row.

The server took the message (the row is «sent»), then the recipient's server said the address
does not exist (5.1.1 «user unknown») or refused it for good (any 5.x.x). The row becomes
«failed» with the reason, naming the address, so ``kontrol mail list --status failed`` shows the
committee which address of the directory is wrong — as a refusal at sending time does. A
temporary report (4.x.x, «delayed») changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from kontrol.mail.message import parse_address
from kontrol.mail.reply_message import Bounce
from kontrol.models import OutboxMessage


def bounced_row(session: Session, bounce: Bounce) -> OutboxMessage | None:
    """Our row the bounce reports on: by Message-ID, the one sent to the bounced address."""
    if not bounce.original_message_id:
        return None
    rows = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.message_id == bounce.original_message_id)
            .order_by(OutboxMessage.id)
        )
    )
    for row in rows:
        if bounce.recipient and bounce.recipient in _addresses(row):
            return row
    return rows[0] if rows else None


def _addresses(row: OutboxMessage) -> set[str]:
    found = set()
    for text in [*row.to_addrs, *row.cc_addrs]:
        try:
            found.add(parse_address(str(text)).addr_spec.lower())
        except ValueError:
            continue
    return found


def reason_of(bounce: Bounce) -> str:
    what = "адрес не существует" if bounce.status == "5.1.1" else "письмо отвергнуто"
    return (
        f"возврат {bounce.status or '5.0.0'} от сервера получателя: {what}"
        f" ({bounce.recipient or 'адрес не указан'}); проверьте адрес в справочнике"
        + (f"; {bounce.diagnostic}" if bounce.diagnostic else "")
    )[:2000]


def fail_bounced(session: Session, bounce: Bounce) -> OutboxMessage | None:
    """Fail the bounced row with the reason (permanent bounces only); the row, or None when
    the bounce is temporary or names no mail of ours."""
    if not bounce.permanent:
        return None
    row = bounced_row(session, bounce)
    if row is None:
        return None
    row.status, row.last_error = "failed", reason_of(bounce)
    row.lease_until = row.claim_token = None
    # written even when this session read them as NULL: a run may have claimed the row since,
    # and its token must go with "sending" (``kontrol.mail.states`` trusts the token alone)
    flag_modified(row, "lease_until")
    flag_modified(row, "claim_token")
    session.flush()
    return row
