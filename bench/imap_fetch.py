"""Benchmark: 200 replies with a PDF each, read from a real Dovecot in one fetch.

Measures replies/second of ``fetch_replies``: list the folder, fetch the messages (50 per
FETCH), and for each one a transaction (claim its Message-ID, check the signed reply address
and the sender, store the PDF by hash, mark the assignment done, write the curator's mail)
and an IMAP MOVE. Set-up (not timed): a SQLite (or ``--postgres-url``) database with N issued
assignments of one school (``bench/mail_delivery.populate``) and N replies appended to a
fresh mailbox of the server ``scripts/imap.sh`` starts.
Run: ``python bench/imap_fetch.py [--replies 200] [--rounds 3] [--postgres-url URL]``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mail_delivery import populate
from sqlalchemy import select

from kontrol.config import Rules
from kontrol.mail.mailbox import open_mailbox
from kontrol.models import OutboxMessage
from kontrol.models.db import make_engine, scratch_postgres, session_factory
from kontrol.portal.reply_fetch import fetch_replies
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.workcalendar import WorkCalendar
from kontrol.settings import Settings

NOW = dt.datetime(2021, 2, 1, 7, tzinfo=dt.UTC)
PDF = b"%PDF-1.4\n" + b"0" * 40_000 + b"\n%%EOF\n"  # a 40 KB report


def imap_url() -> str:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(["bash", "scripts/imap.sh"], cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"Dovecot could not be started: {done.stderr.strip()}")
    return done.stdout.strip()


def settings_for(db: str, url: str, upload_dir: Path) -> Settings:
    imap = urlsplit(url)
    return Settings(
        database_url=db,
        secret_key="bench-secret-0123456789-abcdefghijklmnop",
        mail_from="kontrol@edu.lenobl.example",
        upload_dir=upload_dir,
        imap_host=imap.hostname,
        imap_port=imap.port or 143,
        imap_tls="none",
        imap_username=f"bench{uuid.uuid4().hex[:10]}",
        imap_password=imap.password,
    )


def replies(settings: Settings) -> list[bytes]:
    """«Исполнено» with a PDF to every assignment mail, quoting it, as a mail client writes."""
    engine = make_engine(settings.database_url)
    with session_factory(engine)() as s:
        rows = list(
            s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "assignment_issued"))
        )
    engine.dispose()
    out = []
    for row in rows:
        msg = EmailMessage()
        msg["From"] = "school1@edu.example"
        msg["To"] = str(row.reply_to)
        msg["Subject"] = f"Re: {row.subject}"
        msg["Message-ID"] = f"<{uuid.uuid4().hex}@edu.example>"
        msg["In-Reply-To"] = row.message_id
        quoted = "\n".join(f"> {line}" for line in row.body_text.splitlines())
        msg.set_content(f"Исполнено, отчёт во вложении.\n\nkontrol написал:\n{quoted}\n")
        msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="отчёт.pdf")
        out.append(msg.as_bytes())
    return out


@contextlib.contextmanager
def database(postgres: str | None, folder: Path) -> Iterator[str]:
    if postgres:
        with scratch_postgres(postgres, "kontrol_bench") as url:
            yield url
    else:
        yield f"sqlite:///{folder / 'bench.db'}"


def one_round(n: int, url: str, postgres: str | None) -> float:
    with tempfile.TemporaryDirectory() as tmp, database(postgres, Path(tmp)) as db:
        settings = settings_for(db, url, Path(tmp) / "uploads")
        populate(db, n, settings)
        with open_mailbox(settings) as box:
            for raw in replies(settings):
                box.append(raw)
        engine = make_engine(db)
        started = time.perf_counter()
        handled = fetch_replies(
            session_factory(engine), settings, Rules(Policy(), WorkCalendar()), now=NOW
        )
        took = time.perf_counter() - started
        engine.dispose()
    assert len(handled) == n and all(h.outcome == "done" for h in handled), handled[:3]
    return n / took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args()
    url = imap_url()
    rates = [one_round(args.replies, url, args.postgres_url) for _ in range(args.rounds)]
    print(
        f"{args.replies} replies with a 40 KB PDF each, {args.rounds} rounds: median "
        f"{statistics.median(rates):.1f} replies/s (range {min(rates):.1f}–{max(rates):.1f})"
    )


if __name__ == "__main__":
    main()
