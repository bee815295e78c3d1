"""``kontrol portal`` refuses to serve links signed with a public key."""

from __future__ import annotations

from typing import Any

import pytest

from kontrol.cli import cli
from kontrol.commands import portal as portal_command
from tests.cli_runner import run


@pytest.fixture(autouse=True)
def _portal_command() -> None:
    """The lead wires ``kontrol.commands.portal`` into the CLI; until then the tests do."""
    portal_command.register(cli)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    return calls


def test_without_a_secret_key_the_portal_does_not_start(
    kontrol_env: str, capsys: pytest.CaptureFixture[str], monkeypatch, served
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("KONTROL_SECRET_KEY", raising=False)
    result = run(capsys, "portal")
    assert result.code == 2
    assert "KONTROL_SECRET_KEY" in result.err
    assert served == []


@pytest.mark.parametrize(
    ("args", "key"),
    [(["--demo"], None), ([], "kontrol-demo-key"), ([], "a-long-random-production-key")],
    ids=["demo-flag", "demo-key", "real-key"],
)
def test_with_a_key_or_demo_it_serves_on_the_given_host_and_port(
    kontrol_env: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    served: list[dict[str, Any]],
    args: list[str],
    key: str | None,
) -> None:
    if key:
        monkeypatch.setenv("KONTROL_SECRET_KEY", key)
    else:
        monkeypatch.delenv("KONTROL_SECRET_KEY", raising=False)
    assert run(capsys, "init").code == 0

    result = run(capsys, "portal", "--port", "8181", *args)

    assert result.code == 0, result.err
    (call,) = served
    assert (call["host"], call["port"]) == ("127.0.0.1", 8181)
    call["app"].state.portal.engine.dispose()
