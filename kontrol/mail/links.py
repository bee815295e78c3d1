"""Signed links to the executor page: ``{portal_base_url}/a/{token}``.

The token names (assignment, body) and is signed with ``settings.secret_key`` (or a demo key),
so a link cannot be forged or pointed at another assignment. The portal reads it back with
``read_token``. Rendering takes ``link_for`` as a pluggable callable so tests and the portal can
swap it.
"""

from __future__ import annotations

from collections.abc import Callable

from itsdangerous import URLSafeTimedSerializer

DEMO_KEY = "kontrol-demo-key"
SALT = "kontrol-executor-link"
LinkFor = Callable[[int, str], str]  # (assignment_id, body_id) -> token


def serializer(secret_key: str | None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key or DEMO_KEY, salt=SALT)


def make_link_for(secret_key: str | None) -> LinkFor:
    """A ``link_for(assignment_id, body_id) -> token`` bound to one key."""
    signer = serializer(secret_key)

    def link_for(assignment_id: int, body_id: str) -> str:
        return str(signer.dumps([assignment_id, body_id]))

    return link_for


def link_for(assignment_id: int, body_id: str, *, secret_key: str | None = None) -> str:
    """The token for one executor's view of one assignment."""
    return make_link_for(secret_key)(assignment_id, body_id)


def executor_url(portal_base_url: str, token: str) -> str:
    return f"{portal_base_url.rstrip('/')}/a/{token}"


def read_token(
    token: str, *, secret_key: str | None, max_age: int | None = None
) -> tuple[int, str]:
    """(assignment_id, body_id) from a token; raises itsdangerous.BadSignature if forged/expired."""
    assignment_id, body_id = serializer(secret_key).loads(token, max_age=max_age)
    return int(assignment_id), str(body_id)
