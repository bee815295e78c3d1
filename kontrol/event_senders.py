"""Who may send events over HTTP: the senders of ``KONTROL_EVENT_SENDERS``, each with its bearer
token (or its SHA-256) and the events — and optionally the bodies — it may report.

The setting is inline JSON ``{"edo": {"token": "…", "events": ["request_received"],
"bodies": ["committee"]}}`` or the path of a YAML file of that shape; ``token_sha256`` may
replace ``token``; ``events`` may be ``["*"]``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

import yaml

from kontrol.errors import KontrolError


@dataclass(frozen=True)
class Sender:
    """One sender of events with its token (or its SHA-256) and what it may send."""

    id: str
    token_sha256: str
    events: frozenset[str]
    bodies: frozenset[str] | None = None

    def may_send(self, event_id: str) -> bool:
        return "*" in self.events or event_id in self.events

    def check_token(self, token: str) -> bool:
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        return hmac.compare_digest(digest, self.token_sha256)


def parse_senders(raw: str | None) -> dict[str, Sender]:
    """``KONTROL_EVENT_SENDERS``: inline JSON, or the path of a YAML (or JSON) file."""
    if not raw or not raw.strip():
        return {}
    text, where = raw, "KONTROL_EVENT_SENDERS"
    if not raw.lstrip().startswith("{"):
        where = raw.strip()
        try:
            text = Path(where).read_text(encoding="utf-8")
        except OSError as exc:
            raise KontrolError(f"{where}: cannot read the event senders: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)  # JSON is YAML
    except yaml.YAMLError as exc:
        raise KontrolError(f"{where}: event senders are not valid JSON/YAML: {exc}") from None
    if not isinstance(data, dict):
        raise KontrolError(f"{where}: event senders must be a mapping of sender id → settings")
    out: dict[str, Sender] = {}
    for sid, conf in data.items():
        if not isinstance(conf, dict) or not isinstance(conf.get("events"), list):
            raise KontrolError(f"{where}: sender «{sid}» needs «events: [...]» and a token")
        token, digest = conf.get("token"), conf.get("token_sha256")
        if isinstance(token, str) and len(token) >= 16:
            digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        if not isinstance(digest, str) or len(digest) != 64:
            raise KontrolError(
                f"{where}: sender «{sid}» needs a token of at least 16 characters or a token_sha256"
            )
        bodies = conf.get("bodies")
        out[str(sid)] = Sender(
            str(sid),
            digest.lower(),
            frozenset(map(str, conf["events"])),
            frozenset(map(str, bodies)) if isinstance(bodies, list) else None,
        )
    return out
