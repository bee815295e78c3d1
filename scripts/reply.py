"""Reply to a demo mail as its executor would, into kontrol's mailbox (the demo's Dovecot).

    python scripts/reply.py var/mail/<file>.eml "Исполнено, отчёт во вложении." --attach r.pdf

Builds what «Ответить» in a mail client builds — From: the address the mail went to, To: its
Reply-To (kontrol's signed address and the curator), In-Reply-To: its Message-ID, the mail
quoted below the text — and puts it in the mailbox of ``KONTROL_IMAP_*`` (IMAP APPEND), where
``kontrol mail fetch`` or the ``mail-fetch`` deployment reads it.
"""

from __future__ import annotations

import argparse
import mimetypes
import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from kontrol.mail.mailbox import open_mailbox
from kontrol.settings import load_settings


def reply_to(original: EmailMessage, text: str, files: list[Path]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = original["To"].addresses[0].addr_spec
    msg["To"] = str(original["Reply-To"] or original["From"])
    msg["Subject"] = f"Re: {original['Subject']}"
    msg["Message-ID"] = make_msgid(domain="executor.example.org")
    msg["In-Reply-To"] = msg["References"] = str(original["Message-ID"])
    body = original.get_body(preferencelist=("plain",))
    quoted = "\n".join(f"> {line}" for line in (body.get_content() if body else "").splitlines())
    msg.set_content(f"{text}\n\n{original['Date']}, kontrol написал:\n{quoted}\n")
    for path in files:
        maintype, _, subtype = (mimetypes.guess_type(path.name)[0] or "application/pdf").partition(
            "/"
        )
        msg.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )
    return msg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eml", type=Path, help="the mail answered (an .eml file of var/mail)")
    parser.add_argument("text", help="the reply's words")
    parser.add_argument("--attach", type=Path, action="append", default=[], help="a file")
    args = parser.parse_args()
    original = message_from_bytes(args.eml.read_bytes(), policy=policy.default)
    assert isinstance(original, EmailMessage)
    if "kontrol+" not in str(original["Reply-To"] or ""):
        sys.exit(
            f"{args.eml}: no reply address of kontrol in Reply-To (was KONTROL_IMAP_HOST set?)"
        )
    reply = reply_to(original, args.text, args.attach)
    with open_mailbox(load_settings()) as box:
        box.append(reply.as_bytes())
    print(f"replied as {reply['From']} to {reply['To']}")


if __name__ == "__main__":
    main()
