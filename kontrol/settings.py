"""Settings from the environment (``KONTROL_*``), with embedded defaults for the demo.

Read once at the CLI/flow edge and passed down; nothing below reads the environment itself.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kontrol.errors import KontrolError

PREFIX = "KONTROL_"


def environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The settings ``environ`` gives, by field name: ``KONTROL_<FIELD>`` in any case, an empty
    variable unset (KONTROL_SMTP_CA_FILE= means the system's store), the others ignored.

    This is what pydantic-settings did for these fields, each one value (a string, number,
    flag, path or choice) that pydantic converts from the variable's text. pydantic-settings
    itself came with Prefect, not as a dependency of ours, and cost every command 0.06–0.1 s
    to import (asyncio, its cloud sources): about a tenth of ``kontrol schedule``.
    """
    found: dict[str, str] = {}
    for variable, value in environ.items():
        if value and variable.upper().startswith(PREFIX):
            name = variable[len(PREFIX) :].lower()
            if name in Settings.model_fields:
                found[name] = value
    return found


class Settings(BaseModel):
    """Fields not given as arguments come from the environment (``environment``)."""

    model_config = ConfigDict(extra="ignore", validate_default=True)

    database_url: str = "sqlite:///kontrol.db"
    directory: Path | None = None
    policy: Path | None = None
    calendar_overrides: Path | None = None
    mail_dir: Path = Path("var/mail")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(8025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    # none: plain SMTP (the local sink); starttls: upgrade on the submission port, 587;
    # tls: TLS from the first byte, 465. Either TLS mode never falls back to plain text.
    smtp_tls: Literal["none", "starttls", "tls"] = "none"
    # a PEM file of the certificate authorities to trust, for a server with a private CA;
    # unset: the system's trust store
    smtp_ca_file: Path | None = None
    mail_from: str = "kontrol@example.org"
    # kontrol's mailbox (issue 21): replies to assignment mails are read there
    # (kontrol.mail.mailbox); unset host: no reply address in the mails, nothing to read
    imap_host: str | None = None
    imap_port: int = Field(993, ge=1, le=65535)
    imap_username: str | None = None
    imap_password: str | None = None
    # tls: TLS from the first byte, 993; starttls: upgrade on 143; none: plain (local Dovecot)
    imap_tls: Literal["none", "starttls", "tls"] = "tls"
    imap_ca_file: Path | None = None
    imap_folder: str = "INBOX"
    portal_base_url: str = "http://127.0.0.1:8080"
    # signs the portal links; required by everything that writes or reads one (see
    # kontrol.mail.links.signing_keys): there is no built-in key
    secret_key: str | None = None
    # keys of earlier configurations, accepted when verifying links only (a JSON list or
    # comma-separated): a key change does not strand the links already mailed
    secret_keys_previous: str | None = None
    upload_dir: Path = Path("var/uploads")
    events: Path | None = None  # the event catalogue (YAML)
    event_senders: str | None = None  # JSON, or the path of a YAML file: senders and tokens
    # the portal's knobs (KONTROL_PORTAL_*; kontrol.portal.pages.PortalSettings takes them
    # from here), checked with the rest at load time; unset: the portal's defaults
    # bounded: a link's expiry must stay a date (at most ten years), an upload a sane size
    portal_link_ttl_days: int | None = Field(None, gt=0, le=3650)
    portal_max_upload_mb: float | None = Field(None, gt=0, le=1024)
    # false: a report is accepted as sent, without the curator's review
    portal_report_acceptance: bool | None = None

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**environment(os.environ), **values})

    @field_validator("mail_from")
    @classmethod
    def _an_address(cls, value: str) -> str:
        # every mail's From: refused here, not in the middle of a delivery run
        _, address = parseaddr(value)
        local, _, domain = address.rpartition("@")
        if not local or "." not in domain or any(c.isspace() for c in address):
            raise ValueError("an e-mail address is wanted, e.g. kontrol@edu.example.org")
        return value

    # database_url is checked where an engine is made (kontrol.models.db.make_engine, and
    # App.engine for the command line): checking it here loaded SQLAlchemy into every command


def load_settings() -> Settings:
    """The settings, or one line per wrong variable naming it, its value and what is wanted."""
    try:
        return Settings()
    except ValidationError as exc:
        raise KontrolError(settings_error(exc)) from None


def bad_setting(name: str, value: object, words: str) -> str:
    """One wrong setting as ``settings_error`` words it (passwords masked)."""
    return f"bad setting: {name}={shown(name, value)!r}: {words}"


def settings_error(exc: ValidationError) -> str:
    """One line: each wrong variable with its value (passwords masked) and what is wanted."""
    lines = []
    for error in exc.errors():
        name = PREFIX + "_".join(str(part) for part in error["loc"]).upper()
        value = shown(name, error.get("input"))
        lines.append(f"{name}={value!r}: {error['msg'].removeprefix('Value error, ')}")
    return "bad setting: " + "; ".join(lines)


def shown(name: str, value: object) -> object:
    """A setting's value as it may be printed: no password, in a URL or on its own."""
    if any(word in name for word in ("PASSWORD", "SECRET", "KEY")):
        return "***"
    if isinstance(value, str):
        return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", value)
    return value
