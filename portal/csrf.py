"""Per-form CSRF tokens derived from the link: HMAC(key, form name + hash of the link token).

No cookie and no server state: the page that shows a form computes the token, the POST that
receives it computes it again and compares in constant time. A page from another site cannot
know it without the link (and with the link it needs no forgery). The key is derived from the
secret key with its own label, so a CSRF token is never a valid link signature. ``keys`` are
``links.signing_keys``: the current (last) key makes tokens, any of them checks one, so a form
opened before a key change can still be sent after it.
"""

from __future__ import annotations

import hashlib
import hmac

from kontrol.mail.links import Keys

FIELD = "csrf"


def _keys(keys: Keys) -> list[str]:
    return [keys] if isinstance(keys, str) else list(keys)


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"kontrol-portal-csrf", "sha256").digest()


def _token(secret_key: str, link_token: str, form: str) -> str:
    link = hashlib.sha256(link_token.encode()).hexdigest()
    return hmac.new(_key(secret_key), f"{form}:{link}".encode(), "sha256").hexdigest()


def csrf_token(keys: Keys, link_token: str, form: str) -> str:
    return _token(_keys(keys)[-1], link_token, form)


def csrf_ok(keys: Keys, link_token: str, form: str, given: str | None) -> bool:
    if not given:
        return False
    # bytes: compare_digest raises on a str with non-ASCII characters, and a form may carry any
    sent = given.encode("utf-8", "replace")
    # every key is tried (no early exit), so the time taken says nothing about which matched
    matches = [hmac.compare_digest(_token(k, link_token, form).encode(), sent) for k in _keys(keys)]
    return any(matches)
