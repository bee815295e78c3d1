"""Settings from the environment (``KONTROL_*``), with embedded defaults for the demo.

Read once at the CLI/flow edge and passed down; nothing below reads the environment itself.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, get_type_hints

import msgspec
from msgspec import Meta

from kontrol.errors import KontrolError
from kontrol.roadmap.checked import converted, words

PREFIX = "KONTROL_"


def environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The settings ``environ`` gives, by field name: ``KONTROL_<FIELD>`` in any case, an empty
    variable unset (KONTROL_SMTP_CA_FILE= means the system's store), the others ignored."""
    names = _types()
    found: dict[str, str] = {}
    for variable, value in environ.items():
        if value and variable.upper().startswith(PREFIX):
            name = variable[len(PREFIX) :].lower()
            if name in names:
                found[name] = value
    return found


Port = Annotated[int, Meta(ge=1, le=65535)]
TLS = Literal["none", "starttls", "tls"]


@dataclasses.dataclass(frozen=True, init=False)
class Settings:
    """Fields not given as arguments come from the environment (``environment``); each is
    converted from the variable's text and checked by msgspec (a string, number, flag, path or
    choice). Not a pydantic model: importing pydantic and building the model's validators cost
    every command 0.07 s, a third of ``kontrol schedule`` (issue 20)."""

    database_url: str = "sqlite:///kontrol.db"
    directory: Path | None = None
    policy: Path | None = None
    calendar_overrides: Path | None = None
    mail_dir: Path = Path("var/mail")
    smtp_host: str = "127.0.0.1"
    smtp_port: Port = 8025
    smtp_username: str | None = None
    smtp_password: str | None = None
    # none: plain SMTP (the local sink); starttls: upgrade on the submission port, 587;
    # tls: TLS from the first byte, 465. Either TLS mode never falls back to plain text.
    smtp_tls: TLS = "none"
    # a PEM file of the certificate authorities to trust, for a server with a private CA;
    # unset: the system's trust store
    smtp_ca_file: Path | None = None
    mail_from: str = "kontrol@example.org"
    # kontrol's mailbox (issue 21): replies to assignment mails are read there
    # (kontrol.mail.mailbox); unset host: no reply address in the mails, nothing to read
    imap_host: str | None = None
    imap_port: Port = 993
    imap_username: str | None = None
    imap_password: str | None = None
    # tls: TLS from the first byte, 993; starttls: upgrade on 143; none: plain (local Dovecot)
    imap_tls: TLS = "tls"
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
    portal_link_ttl_days: Annotated[int, Meta(gt=0, le=3650)] | None = None
    portal_max_upload_mb: Annotated[float, Meta(gt=0, le=1024)] | None = None
    # false: a report is accepted as sent, without the curator's review
    portal_report_acceptance: bool | None = None

    def __init__(self, **values: Any) -> None:
        given = {**environment(os.environ), **values}
        if unknown := sorted(set(given) - set(_types())):
            raise TypeError(f"Settings has no field {', '.join(unknown)}")
        problems = []
        for name, kind in _types().items():
            if name not in given:
                object.__setattr__(self, name, _DEFAULTS[name])
                continue
            try:
                object.__setattr__(self, name, _checked(name, given[name], kind))
            except (msgspec.ValidationError, ValueError) as exc:
                problems.append(_problem(PREFIX + name.upper(), given[name], words(exc, kind)))
        if problems:
            raise KontrolError("bad setting: " + "; ".join(problems))

    # database_url is checked where an engine is made (kontrol.models.db.make_engine, and
    # App.engine for the command line): checking it here loaded SQLAlchemy into every command


@cache
def _types() -> dict[str, Any]:
    """Each field's type (resolved once: the annotations are text under ``from __future__``)."""
    hints = get_type_hints(Settings, include_extras=True)
    return {f.name: hints[f.name] for f in dataclasses.fields(Settings)}


_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Settings)}


def _checked(name: str, value: object, kind: Any) -> object:
    """``value`` (a variable's text, or a value given in code) as the field's type."""
    value = converted(value, kind)
    if name == "mail_from":
        _an_address(str(value))
    return value


def _an_address(value: str) -> None:
    # every mail's From: refused here, not in the middle of a delivery run (email.utils only
    # for an address given: 5 ms of every command)
    from email.utils import parseaddr

    _, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    if not local or "." not in domain or any(c.isspace() for c in address):
        raise ValueError("an e-mail address is wanted, e.g. kontrol@edu.example.org")


def load_settings() -> Settings:
    """The settings, or one line per wrong variable naming it, its value and what is wanted."""
    return Settings()


def bad_setting(name: str, value: object, words: str) -> str:
    """One wrong setting, as the settings word it (passwords masked)."""
    return f"bad setting: {_problem(name, value, words)}"


def _problem(name: str, value: object, words: str) -> str:
    return f"{name}={shown(name, value)!r}: {words}"


def shown(name: str, value: object) -> object:
    """A setting's value as it may be printed: no password, in a URL or on its own."""
    if any(word in name for word in ("PASSWORD", "SECRET", "KEY")):
        return "***"
    if isinstance(value, str):
        return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", value)
    return value
