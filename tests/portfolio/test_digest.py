"""A supervisor's one daily mail gathers what is overdue under it from every decree."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from kontrol.models import OutboxContent, OutboxMessage
from tests.cli_runner import run

pytestmark = pytest.mark.usefixtures("portfolio")


def test_one_digest_names_each_item_with_its_decree(capsys, db_url):
    for ref, period in (("55-р", "2022-01"), ("1302-б от 27.07.2020", "2022-01")):
        result = run(capsys, "run", "1.3", "--period", period, "--roadmap", ref, "--json")
        assert result.code == 0, result.err
    swept = run(capsys, "sweep", "--as-of", "2022-02-01", "--json")
    assert swept.code == 0, swept.err
    with Session(create_engine(db_url)) as s:
        digests = s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "supervisor_digest")
        ).all()
        assert digests
        texts = [
            s.get(OutboxContent, m.id).body_text  # type: ignore[union-attr]
            for m in digests
        ]
    both = [t for t in texts if "№ 55-р, п. 1.3" in t and "№ 1302-б, п. 1.3" in t]
    assert both, texts[0][:2000]
    per_recipient = [m.recipient_body_id for m in digests]
    assert len(per_recipient) == len(set(per_recipient))  # one mail each, not one per decree
