"""Per-form CSRF tokens derived from the link: HMAC(key, form name + hash of the link token).

No cookie and no server state: the page that shows a form computes the token, the POST that
receives it computes it again and compares in constant time. A page from another site cannot
know it without the link (and with the link it needs no forgery). The key is derived from the
secret key with its own label, so a CSRF token is never a valid link signature.
"""

from __future__ import annotations

import hashlib
import hmac

from kontrol.mail.links import DEMO_KEY

FIELD = "csrf"


def _key(secret_key: str | None) -> bytes:
    return hmac.new((secret_key or DEMO_KEY).encode(), b"kontrol-portal-csrf", "sha256").digest()


def csrf_token(secret_key: str | None, link_token: str, form: str) -> str:
    link = hashlib.sha256(link_token.encode()).hexdigest()
    return hmac.new(_key(secret_key), f"{form}:{link}".encode(), "sha256").hexdigest()


def csrf_ok(secret_key: str | None, link_token: str, form: str, given: str | None) -> bool:
    if not given:
        return False
    return hmac.compare_digest(csrf_token(secret_key, link_token, form), given)
