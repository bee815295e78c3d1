"""Settings read from the environment as pydantic-settings read them before (issue 20 dropped
it for its import time): arguments first, then ``KONTROL_*`` in any case, an empty variable
unset, unknown variables ignored; every field one value pydantic converts from text; the
portal's knobs among them."""

from __future__ import annotations

import os
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

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
    for name in PortalSettings.model_fields:
        assert f"portal_{name}" in Settings.model_fields, name


def test_without_variables_the_defaults_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("KONTROL_"):
            monkeypatch.delenv(name)
    defaults = {name: field.get_default() for name, field in Settings.model_fields.items()}
    assert load_settings().model_dump() == defaults


ONE_VALUE = {str, int, float, bool, Path, type(None)}


@pytest.mark.parametrize("model", [Settings, PortalSettings])
def test_every_field_is_one_value_read_from_text(model: type[BaseModel]) -> None:
    # a list or a nested model would need the JSON parsing pydantic-settings had
    for name, field in model.model_fields.items():
        annotation = field.annotation
        parts = typing.get_args(annotation) if _union(annotation) else (annotation,)
        for part in parts:
            assert part in ONE_VALUE or typing.get_origin(part) is typing.Literal, (name, part)


def _union(annotation: object) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)
