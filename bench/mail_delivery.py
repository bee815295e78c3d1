"""Benchmark: 1,000 assignment mails to a local SMTP sink running in another process.

Measures messages/second for
  kontrol   — ``deliver_pending`` (claim from the outbox, build, send, record), 4 connections;
  bare      — (a) a bare aiosmtplib loop, same messages pre-built, same concurrency, reused
              connections: the ceiling for any client on this machine;
  per-task  — (b) one Prefect task per message, each opening its own SMTP connection (the
              prefect-email way), inside a flow on a temporary Prefect server.
After an untimed warm-up round, each round delivers N fresh mails with kontrol and the same N
with (a), in alternating order; the medians and the range of the ratio are reported.
Run: ``python bench/mail_delivery.py [--messages 1000] [--concurrency 4] [--rounds 5]
[--warmup 200] [--postgres-url URL] [--skip-prefect]``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
from aiosmtplib.email import flatten_message

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from kontrol.config import mail_zone
from kontrol.mail.delivery import Outgoing, deliver_pending, load_batch
from kontrol.mail.mailer import Mailer
from kontrol.models import Assignment, Body, Item, ItemExecutor, Obligation, OutboxMessage, Roadmap
from kontrol.models.db import make_engine, migrate, scratch_postgres, session_factory
from kontrol.settings import Settings

NOW = dt.datetime(2021, 1, 11, 6, tzinfo=dt.UTC)


def start_sink_process() -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kontrol.mail.sink", "--port", "0", "--discard"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "listening on 127.0.0.1:PORT, discarding messages"
    port = int(line.split(",")[0].rsplit(":", 1)[1])
    return proc, port


def populate(url: str, n: int, settings: Settings) -> None:
    engine = make_engine(url)
    migrate(engine)
    sessions = session_factory(engine)
    with sessions() as s, s.begin():
        s.add(
            Body(
                id="curator",
                name="Отдел общего и дополнительного образования",
                kind="unit",
                aliases=[],
                emails=["general@edu.lenobl.example"],
            )
        )
        s.add(
            Body(
                id="school",
                name="Пример: МОУ «Средняя общеобразовательная школа № 1»",
                kind="school",
                aliases=[],
                emails=["school1@edu.example"],
                escalates_to_id="curator",
            )
        )
        s.flush()
        roadmap = Roadmap(
            kind="распоряжение",
            number="1302-б",
            adopted_on=dt.date(2020, 7, 27),
            authority="Комитет",
            title="Об утверждении плана мероприятий («дорожной карты»)",
            plan_title="План",
            horizon_year=2030,
            source_name="seed",
            source_sha256="0" * 64,
            encoding="utf-8",
            imported_at=NOW,
            updated_at=NOW,
        )
        s.add(roadmap)
        s.flush()
        item = Item(
            roadmap_id=roadmap.id,
            number="3.3.5",
            position=1,
            kind="activity",
            title="Создание региональной сетевой системы профориентации и "
            "профессиональной подготовки школьников",
            schedule_text="ежеквартально",
            executors_text="школы",
            source_lines=[1],
        )
        s.add(item)
        s.flush()
        s.add(ItemExecutor(item_id=item.id, position=0, body_id="school", role="lead"))
        ob = Obligation(
            item_id=item.id,
            phase_index=0,
            label=None,
            kind="recurring",
            frequency="quarterly",
            flags=["По отдельному плану"],
        )
        s.add(ob)
        s.flush()
        assignments = [
            Assignment(
                obligation_id=ob.id,
                occurrence_key=f"q{i}",
                body_id="school",
                role="lead",
                period_start=dt.date(2021, 1, 1),
                period_end=dt.date(2021, 3, 31),
                issue_on=dt.date(2021, 1, 11),
                original_due_on=dt.date(2021, 3, 31),
                due_on=dt.date(2021, 3, 31),
                status="issued",
                issued_at=NOW,
                issued_by="bench",
            )
            for i in range(n)
        ]
        s.add_all(assignments)
        s.flush()
        mailer = Mailer.of(settings)
        for a in assignments:
            mailer.assignment_issued(s, a, now=NOW)
    engine.dispose()


async def bare_loop(messages: list[Outgoing], port: int, concurrency: int) -> None:
    """The ceiling: the same ready messages over reused connections, no database at all."""
    queue: asyncio.Queue[Outgoing] = asyncio.Queue()
    for m in messages:
        queue.put_nowait(m)

    async def worker() -> None:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await smtp.connect()
        while not queue.empty():
            m = queue.get_nowait()
            await smtp.sendmail(m.sender, m.recipients, _bytes(m.message))
        await smtp.quit()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def _bytes(message: EmailMessage | bytes) -> bytes:
    return message if isinstance(message, bytes) else flatten_message(message)


def per_task_prefect(messages: list[Outgoing], port: int) -> float:
    from prefect import flow, task
    from prefect.cache_policies import NONE
    from prefect.testing.utilities import prefect_test_harness

    @task(name="email-send-message", persist_result=False, cache_policy=NONE)
    async def email_send_message(index: int) -> None:
        # prefect-email's email_send_message: a fresh SMTP connection for every message
        m = messages[index]
        await aiosmtplib.send(
            _bytes(m.message),
            sender=m.sender,
            recipients=m.recipients,
            hostname="127.0.0.1",
            port=port,
            start_tls=False,
        )

    @flow(name="bench-per-task-email")
    def send_all(count: int) -> None:
        futures = [email_send_message.submit(i) for i in range(count)]
        for f in futures:
            f.result()

    with prefect_test_harness():
        send_all(10)  # warm-up: server, flow registration
        started = time.perf_counter()
        send_all(len(messages))
        return time.perf_counter() - started


@contextmanager
def scratch_database(postgres_url: str | None) -> Iterator[str]:
    """A fresh database for one round: a SQLite file, or a new database on the given
    PostgreSQL server, dropped afterwards (the server's own database is never touched)."""
    if not postgres_url:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    with scratch_postgres(postgres_url, "kontrol_bench") as url:
        yield url


def one_round(
    n: int, c: int, port: int, postgres_url: str | None, *, bare_first: bool
) -> tuple[float, float, list[Outgoing]]:
    """Seconds for kontrol and for (a) on the same N fresh mails; the order alternates between
    rounds so that neither side always meets a warmer sink."""
    with scratch_database(postgres_url) as url:
        settings = Settings(
            smtp_port=port,
            mail_from="kontrol@edu.lenobl.example",
            database_url=url,
            secret_key=secrets.token_urlsafe(48),
        )
        populate(url, n, settings)
        engine = make_engine(url)
        sessions = session_factory(engine)
        with sessions() as s:
            ids = list(s.scalars(select(OutboxMessage.id)))
        built = load_batch(
            sessions, ids, mail_from=settings.mail_from, date=NOW, zone=mail_zone(settings)
        )
        messages = [b for b in built if isinstance(b, Outgoing)]

        def run_bare() -> float:
            started = time.perf_counter()
            asyncio.run(bare_loop(messages, port, c))
            return time.perf_counter() - started

        bare_s = run_bare() if bare_first else 0.0
        started = time.perf_counter()
        stats = asyncio.run(deliver_pending(sessions, settings, now=NOW, concurrency=c))
        kontrol_s = time.perf_counter() - started
        assert stats.sent == n, stats
        if not bare_first:
            bare_s = run_bare()
        engine.dispose()
    return kontrol_s, bare_s, messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5, help="kontrol and (a), interleaved")
    parser.add_argument(
        "--postgres-url",
        help="run on this PostgreSQL server instead of SQLite (a scratch database is created "
        "and dropped for every round)",
    )
    parser.add_argument(
        "--warmup", type=int, default=200, help="messages of an untimed first round (0: none)"
    )
    parser.add_argument("--skip-prefect", action="store_true")
    args = parser.parse_args()
    n, c = args.messages, args.concurrency
    proc, port = start_sink_process()
    kontrol_rates: list[float] = []
    bare_rates: list[float] = []
    per_task_s = None
    database = "PostgreSQL" if args.postgres_url else "SQLite"
    print(f"{n} messages, concurrency {c}, {database}, sink in another process (discarding)")
    try:
        if args.warmup:
            # untimed: both sides and the sink run their code once before anything counts
            k, b, _ = one_round(args.warmup, c, port, args.postgres_url, bare_first=False)
            print(f"  warm-up ({args.warmup} messages, not counted): kontrol/(a) {b / k:4.0%}")
        for index in range(args.rounds):
            kontrol_s, bare_s, messages = one_round(
                n, c, port, args.postgres_url, bare_first=index % 2 == 1
            )
            kontrol_rates.append(n / kontrol_s)
            bare_rates.append(n / bare_s)
            print(
                f"  round {index + 1}: kontrol {n / kontrol_s:6.0f} msg/s, (a) bare "
                f"{n / bare_s:6.0f} msg/s, kontrol/(a) {bare_s / kontrol_s:4.0%}"
            )
        if not args.skip_prefect:
            per_task_s = per_task_prefect(messages, port)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    ratios = sorted(k / b for k, b in zip(kontrol_rates, bare_rates, strict=True))
    kontrol, bare = statistics.median(kontrol_rates), statistics.median(bare_rates)
    print(f"median of {args.rounds} round(s):")
    print(f"  kontrol deliver_pending : {kontrol:8.0f} msg/s")
    print(f"  (a) bare aiosmtplib     : {bare:8.0f} msg/s")
    print(
        f"  kontrol / bare          : {statistics.median(ratios):8.0%}   "
        f"(rounds {ratios[0]:.0%}–{ratios[-1]:.0%}; target ≥ 85%)"
    )
    if per_task_s is not None:
        per_task = n / per_task_s
        print(f"  (b) Prefect task/message: {per_task:8.0f} msg/s  ({per_task_s:.2f} s)")
        print(f"  kontrol / per-task      : {kontrol / per_task:8.1f}×  (target ≥ 4×)")


if __name__ == "__main__":
    main()
