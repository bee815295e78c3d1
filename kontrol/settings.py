"""Settings from the environment (``KONTROL_*``), with embedded defaults for the demo.

Read once at the CLI/flow edge and passed down; nothing below reads the environment itself.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KONTROL_", extra="ignore")

    database_url: str = "sqlite:///kontrol.db"
    directory: Path | None = None
    policy: Path | None = None
    calendar_overrides: Path | None = None
    mail_dir: Path = Path("var/mail")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_tls: str = "none"  # none | starttls | tls
    mail_from: str = "kontrol@example.org"
    portal_base_url: str = "http://127.0.0.1:8080"
    secret_key: str | None = None
    upload_dir: Path = Path("var/uploads")
    events: Path | None = None  # the event catalogue (YAML)
    event_senders: str | None = None  # JSON, or the path of a YAML file: senders and tokens


def load_settings() -> Settings:
    return Settings()
