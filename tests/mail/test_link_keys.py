"""The key that signs the portal links: required, not weak, rotatable; the demo's own key file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from itsdangerous import BadSignature

from kontrol.errors import KontrolError
from kontrol.keyfile import load_or_create
from kontrol.mail.links import (
    DEMO_KEY,
    Links,
    canonical,
    make_link_for,
    previous_keys,
    read_token,
    signing_keys,
)
from kontrol.settings import Settings

OLD = "old-key-5a1c9e7b3d2f4068a1b2c3d4e5f60718"
NEW = "new-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def _settings(key: str | None, previous: str | None = None) -> Settings:
    return Settings(secret_key=key, secret_keys_previous=previous)


def test_there_is_no_fallback_key() -> None:
    with pytest.raises(KontrolError, match="KONTROL_SECRET_KEY is not set"):
        make_link_for(_settings(None))
    with pytest.raises(ValueError, match="secret key"):
        Links([])


@pytest.mark.parametrize("key", [DEMO_KEY, "x" * 31, "ab" * 30], ids=["demo", "short", "uniform"])
def test_a_weak_key_never_signs(key: str) -> None:
    with pytest.raises(KontrolError, match="KONTROL_SECRET_KEY") as refused:
        make_link_for(_settings(key))
    assert key not in str(refused.value).replace(repr(DEMO_KEY), "")


def test_previous_keys_verify_and_only_the_current_one_signs() -> None:
    old_link = make_link_for(_settings(OLD))(7, "loiro")

    rotated = signing_keys(_settings(NEW, f'["{OLD}"]'))
    new_link = make_link_for(_settings(NEW, OLD))(7, "loiro")

    assert rotated == [OLD, NEW]
    assert read_token(old_link, secret_key=rotated) == (7, "loiro")
    assert read_token(new_link, secret_key=NEW) == (7, "loiro")  # signed with the new key
    with pytest.raises(BadSignature):
        read_token(new_link, secret_key=OLD)
    with pytest.raises(BadSignature):  # the old key dropped: its links stop working
        read_token(old_link, secret_key=signing_keys(_settings(NEW)))


@pytest.mark.parametrize(
    ("raw", "keys"),
    [
        (None, []),
        ("", []),
        (f"{OLD}, {NEW}", [OLD, NEW]),
        (f'["{OLD}", "{NEW}"]', [OLD, NEW]),
        (f" {OLD} ,, ", [OLD]),
    ],
)
def test_previous_keys_are_a_json_list_or_comma_separated(raw: str | None, keys: list[str]) -> None:
    assert previous_keys(raw) == keys


def test_the_current_key_among_the_previous_ones_is_listed_once() -> None:
    assert signing_keys(_settings(NEW, f"{NEW},{OLD},{OLD}")) == [OLD, NEW]


def test_only_the_signers_spelling_of_a_token_is_canonical() -> None:
    token = make_link_for(_settings(NEW))(7, "loiro")
    head, last = token[:-1], token[-1]
    spare = [
        c
        for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        if c != last and (ord(c) >> 2) == (ord(last) >> 2) and c.isalnum()
    ]

    assert canonical(token)
    assert not canonical(token + "=")
    assert not canonical(token + "==")
    assert not canonical("no-dot-at-all")
    assert not canonical(token[:-1] + "é")
    for other in spare:  # may decode to the same bytes; never accepted
        assert not canonical(head + other)
    with pytest.raises(BadSignature):
        read_token(token + "=", secret_key=NEW)


# ── the demo's key file ─────────────────────────────────────────────────────────────────────


def test_the_key_file_is_made_once_owner_only_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secret_key"

    first = load_or_create(path)
    second = load_or_create(path)

    assert first == second and len(first) >= 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary left
    assert signing_keys(_settings(first)) == [first]


def test_a_key_file_others_can_read_or_a_broken_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    load_or_create(path)
    path.chmod(0o644)
    with pytest.raises(KontrolError, match=r"open to other users \(mode 0644\).*chmod 600"):
        load_or_create(path)

    path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)  # an empty file, e.g. a disk that filled up
    with pytest.raises(KontrolError, match="holds no usable key"):
        load_or_create(path)
