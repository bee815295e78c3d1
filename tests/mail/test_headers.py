"""Headers as readers see them: encoded-words that hold whole words, a Date in local time."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import re
from email.header import decode_header, make_header
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from kontrol.mail.mailer import Mailer
from kontrol.mail.message import EW_MAX, LINE_MAX, build_message, encoded_words, format_address
from kontrol.mail.sink import SinkHandle
from kontrol.models import Assignment
from kontrol.roadmap.directory import load_directory
from kontrol.settings import Settings
from tests.conftest import DIRECTORY
from tests.mail.conftest import Recorder, deliver
from tests.mail.factory import NOW, World, add_assignment, legacy_row, settings_for

EW = re.compile(r"=\?utf-8\?b\?([A-Za-z0-9+/=]*)\?=")
MOSCOW = ZoneInfo("Europe/Moscow")
# the longest names of the example directory (up to ~100 characters), the ones that need
# several encoded-words
NAMES = sorted((b.name for b in load_directory(DIRECTORY).bodies), key=len)[-8:]
SUBJECT = (
    "Поручение: п. 3.2.4 Организация и проведение родительского всеобуча по вопросам "
    "профессиональной ориентации обучающихся общеобразовательных организаций — до 24 декабря "
    "2020 г."
)


def _message(subject: str, names: list[str]) -> bytes:
    row = SimpleNamespace(
        subject=subject,
        to_addrs=[format_address(f"to{i}@edu.example", n) for i, n in enumerate(names[:2])],
        cc_addrs=[format_address(f"cc{i}@edu.example", n) for i, n in enumerate(names[2:])],
        reply_to=None,
        message_id="<test@kontrol>",
        assignment_id=None,
        kind="assignment_issued",
        body_text="текст",
        body_html="<p>текст</p>",
        attachments=[],
    )
    sender = f'"{names[0]}" <kontrol@edu.example>'
    return build_message(row, mail_from=sender, date=NOW, zone=MOSCOW)  # type: ignore[arg-type]


def _chunks(raw_value: str) -> list[str]:
    return [base64.b64decode(m).decode("utf-8") for m in EW.findall(raw_value)]


def _assert_whole_words(original: str, raw_value: str) -> None:
    """Each encoded-word, decoded alone, holds whole words of ``original``: they add up to it
    and every one but the last ends at a space (inside it, where decoders keep it)."""
    chunks = _chunks(raw_value)
    assert len(chunks) > 1, raw_value  # long enough to need several
    assert "".join(chunks) == original
    words = set(original.split())
    for chunk in chunks[:-1]:
        assert chunk.endswith(" ") and not chunk.startswith(" "), chunks
    for chunk in chunks:
        assert set(chunk.split()) <= words, chunk  # no piece of a word


@pytest.mark.parametrize("names", [NAMES[-4:], NAMES[:4], NAMES[2:6]])
def test_encoded_words_hold_whole_words_in_every_header(names: list[str]) -> None:
    data = _message(SUBJECT, names)
    raw = email.message_from_bytes(data)  # compat32: header values as sent
    _assert_whole_words(SUBJECT, raw["Subject"])
    _assert_whole_words(names[0], raw["From"])
    tos = raw["To"].split(",")
    ccs = raw["Cc"].split(",")
    for name, value in zip(names, [*tos, *ccs], strict=True):
        _assert_whole_words(name, value)
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        assert len(line) <= LINE_MAX, line
    for m in EW.finditer(data.decode("ascii", "replace")):
        assert len(m.group(0)) <= EW_MAX

    # the whole header decodes back exactly (RFC 2047 decoders join adjacent encoded-words)
    assert str(make_header(decode_header(raw["Subject"]))) == SUBJECT
    assert str(make_header(decode_header(raw["From"]))) == f"{names[0]} <kontrol@edu.example>"
    assert str(make_header(decode_header(raw["To"]))) == ", ".join(
        f"{n} <to{i}@edu.example>" for i, n in enumerate(names[:2])
    )
    assert str(make_header(decode_header(raw["Cc"]))) == ", ".join(
        f"{n} <cc{i}@edu.example>" for i, n in enumerate(names[2:])
    )
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert parsed["Subject"] == SUBJECT
    # CPython's address parser does not join adjacent encoded-words (gh-128110): it shows one
    # space more where two meet — always between words, never inside one
    shown = [a.display_name for h in ("From", "To", "Cc") for a in parsed[h].addresses]
    assert [" ".join(s.split()) for s in shown] == [names[0], *names]
    for s, name in zip(shown, [names[0], *names], strict=True):
        assert set(s.split()) == set(name.split())


def test_a_word_too_long_for_one_encoded_word_is_not_cut() -> None:
    word = "высокопревосходительствующего"  # 29 letters: 58 bytes, more than 45
    text = f"Отдел {word} и {word}ее значение"
    chunks = encoded_words(text)
    decoded = ["".join(_chunks(c)) for c in chunks]
    assert "".join(decoded) == text
    assert f"{word} " in decoded
    assert str(make_header(decode_header(" ".join(chunks)))) == text


def test_date_is_in_the_policy_time_zone(
    world: World, settings: Settings, smtp: SinkHandle, recorder: Recorder, tmp_path: Path
) -> None:
    """Moscow by default: +0300, RFC 5322; a row prebuilt on enqueue and one built when sent."""
    aid = add_assignment(world, "3.1.2", "loiro")
    with world.transaction() as s:
        a = s.get(Assignment, aid)
        assert a is not None
        built = Mailer.of(settings).assignment_issued(s, a, now=NOW)
        assert built is not None and built.raw is not None
        prebuilt = built.raw
        legacy_row(
            s, key="plain", kind="reminder", to=["a@example.org"], subject="Тема",
            text="текст", html="<p>текст</p>", now=NOW,
        )  # fmt: skip
    later = NOW + dt.timedelta(hours=2)
    assert deliver(world, settings, now=later).sent == 2
    dates = {}
    for _, _, data in recorder.received:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        dates[str(msg["X-Kontrol-Kind"])] = msg["Date"]
        if msg["X-Kontrol-Kind"] == "assignment_issued":
            assert data.replace(b"\r\n", b"\n") == prebuilt.replace(b"\r\n", b"\n")
    assert str(dates["assignment_issued"]) == "Mon, 11 Jan 2021 09:00:00 +0300"
    assert str(dates["reminder"]) == "Mon, 11 Jan 2021 11:00:00 +0300"
    assert dates["reminder"].datetime == later

    policy = tmp_path / "policy.yaml"
    policy.write_text("timezone: Asia/Yekaterinburg\n", encoding="utf-8")
    ural = settings_for(settings.smtp_port, policy=policy)
    with world.transaction() as s:
        a = s.get(Assignment, aid)
        assert a is not None
        row = Mailer.of(ural).reminder(s, a, days_left=1, now=NOW)
        assert row is not None and row.raw is not None
        assert b"\nDate: Mon, 11 Jan 2021 11:00:00 +0500\r\n" in row.raw
