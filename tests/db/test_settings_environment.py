"""Settings read from the environment as pydantic-settings read them before (issue 20 dropped
it, then pydantic, for their import time): arguments first, then ``KONTROL_*`` in any case, an
empty variable unset, unknown variables ignored; every field one value converted from text;
the portal's knobs among them."""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from kontrol.errors import KontrolError
from kontrol.portal.pages import PortalSettings
from kontrol.settings import Settings, load_settings


def test_variables_fill_the_fields_arguments_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTROL_SMTP_PORT", "2525")
    monkeypatch.setenv("kontrol_mail_dir", "/srv/mail")  # names match in any case
    monkeypatch.setenv("KONTROL_SMTP_CA_FILE", "")  # empty: unset, the system's store
    monkeypatch.setenv("KONTROL_NO_SUCH_SETTING", "x")
    monkeypatch.setenv("KONTROL_PORTAL_LINK_TTL_DAYS", "30")
    settings = load_settings()
    assert settings.smtp_port == 2525
    assert settings.mail_dir == Path("/srv/mail")
    assert settings.smtp_ca_file is None
    assert settings.portal_link_ttl_days == 30
    assert not hasattr(settings, "no_such_setting")
    assert Settings(smtp_port=26).smtp_port == 26


def test_the_portals_knobs_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTROL_PORTAL_REPORT_ACCEPTANCE", "false")
    monkeypatch.setenv("KONTROL_PORTAL_MAX_UPLOAD_MB", "5")
    monkeypatch.setenv("KONTROL_PORTAL_LINK_TTL_DAYS", "")  # empty: unset, as for the others
    config = PortalSettings.of(load_settings())
    assert (config.report_acceptance, config.max_upload_mb, config.link_ttl_days) == (False, 5, 60)
    # read from the environment in one place only, so a wrong one is refused at load time
    assert PortalSettings().report_acceptance is True
    names = {f.name for f in dataclasses.fields(Settings)}
    for name in PortalSettings.model_fields:
        assert f"portal_{name}" in names, name


def test_without_variables_the_defaults_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("KONTROL_"):
            monkeypatch.delenv(name)
    defaults = {f.name: f.default for f in dataclasses.fields(Settings)}
    assert dataclasses.asdict(load_settings()) == defaults


ONE_VALUE = {str, int, float, bool, Path, type(None)}


def _annotations(model: type) -> dict[str, object]:
    if issubclass(model, BaseModel):
        return {name: field.annotation for name, field in model.model_fields.items()}
    return typing.get_type_hints(model)  # Annotated's bounds left out


@pytest.mark.parametrize("model", [Settings, PortalSettings])
def test_every_field_is_one_value_read_from_text(model: type) -> None:
    # a list or a nested model would need the JSON parsing pydantic-settings had
    for name, annotation in _annotations(model).items():
        parts = typing.get_args(annotation) if _union(annotation) else (annotation,)
        for part in parts:
            assert part in ONE_VALUE or typing.get_origin(part) is typing.Literal, (name, part)


def _union(annotation: object) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


@pytest.mark.parametrize(
    ("text", "value"), [("yes", True), ("On", True), ("1", True), ("false", False), ("n", False)]
)
def test_a_flag_takes_the_words_people_write(
    text: str, value: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KONTROL_PORTAL_REPORT_ACCEPTANCE", text)
    assert load_settings().portal_report_acceptance is value


def test_values_given_in_code_are_checked_as_variables_are() -> None:
    """A copy with a change is checked too (the environment is not read again for it)."""
    settings = Settings(smtp_port="2526", mail_dir="/srv/mail")
    assert (settings.smtp_port, settings.mail_dir) == (2526, Path("/srv/mail"))
    with pytest.raises(KontrolError, match=r"KONTROL_SMTP_PORT=99999: .*65535"):
        dataclasses.replace(settings, smtp_port=99999)
    with pytest.raises(TypeError, match="no_such_setting"):
        Settings(no_such_setting=1)
    with pytest.raises(KontrolError, match="KONTROL_MAIL_DIR=5: a path is wanted"):
        Settings(mail_dir=5)


def test_every_wrong_variable_is_in_the_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTROL_SMTP_TLS", "ssl")
    monkeypatch.setenv("KONTROL_IMAP_PORT", "many")
    monkeypatch.setenv("KONTROL_SMTP_PASSWORD", "s3cret")
    monkeypatch.setenv("KONTROL_IMAP_PASSWORD", "s3cret")
    with pytest.raises(KontrolError) as info:
        Settings(imap_password=["not", "text"])
    line = str(info.value)
    assert line.startswith("bad setting: ") and "\n" not in line
    assert "KONTROL_SMTP_TLS='ssl'" in line and "KONTROL_IMAP_PORT='many'" in line
    assert "KONTROL_IMAP_PASSWORD='***'" in line and "s3cret" not in line


@pytest.mark.parametrize(
    ("variable", "text", "value"),
    [
        ("KONTROL_SMTP_PORT", " 8025 ", 8025),
        ("KONTROL_SMTP_PORT", "+25", 25),
        ("KONTROL_SMTP_PORT", "08025", 8025),
        ("KONTROL_PORTAL_MAX_UPLOAD_MB", ".5", 0.5),
        ("KONTROL_PORTAL_MAX_UPLOAD_MB", " 20 ", 20.0),
    ],
)
def test_a_number_is_read_as_python_reads_one(
    variable: str, text: str, value: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forms pydantic took (msgspec alone refuses the spaces, the sign and the dot)."""
    monkeypatch.setenv(variable, text)
    assert getattr(load_settings(), variable.removeprefix("KONTROL_").lower()) == value
