"""``kontrol portal`` refuses to serve links signed with a public or weak key."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli_runner import run


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    return calls


@pytest.mark.parametrize(
    ("key", "words"),
    [
        (None, "KONTROL_SECRET_KEY is not set"),
        ("kontrol-demo-key", "KONTROL_SECRET_KEY is the public demo key"),
        ("short-but-not-empty", "KONTROL_SECRET_KEY is 19 characters long, at least 32"),
    ],
    ids=["unset", "demo-key", "short"],
)
def test_without_a_real_secret_key_the_portal_does_not_start(
    kontrol_env: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    served: list[dict[str, Any]],
    key: str | None,
    words: str,
) -> None:
    assert run(capsys, "init").code == 0
    if key:
        monkeypatch.setenv("KONTROL_SECRET_KEY", key)
    else:
        monkeypatch.delenv("KONTROL_SECRET_KEY", raising=False)

    result = run(capsys, "portal")

    assert result.code == 2
    assert words in result.err and len(result.err.strip().splitlines()) == 1
    assert key is None or key not in result.err.replace("'kontrol-demo-key'", "")
    assert served == []
    assert "--demo" not in run(capsys, "portal", "--help").out  # no way around the key


def test_with_a_real_key_it_serves_on_the_given_host_and_port(
    kontrol_env: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    served: list[dict[str, Any]],
) -> None:
    monkeypatch.setenv("KONTROL_SECRET_KEY", "a-long-random-production-key-4f9c2e81b7d3")
    assert run(capsys, "init").code == 0

    result = run(capsys, "portal", "--port", "8181")

    assert result.code == 0, result.err
    (call,) = served
    assert (call["host"], call["port"]) == ("127.0.0.1", 8181)
    call["app"].state.portal.engine.dispose()
