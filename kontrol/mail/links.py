"""Signed links to the portal: the executor's ``{portal_base_url}/a/{token}`` and a supervisor's
read-only ``{portal_base_url}/s/{token}``.

The token names (assignment, body) and is signed with ``settings.secret_key`` (or a demo key),
so a link cannot be forged or pointed at another assignment. The two kinds have separate salts:
an executor's link lets its holder report and ask for more time, so it must never reach a
supervisor, and a supervisor's link must not open the executor page. The portal reads them back
(``portal.tokens``). Rendering takes ``link_for`` as a pluggable callable so tests and the portal
can swap it; ``make_link_for`` returns a ``Links`` that is such a callable and also signs the
supervisor's links (``.oversee``), so a digest needs nothing more than what the mail code has.
"""

from __future__ import annotations

from collections.abc import Callable

from itsdangerous import URLSafeTimedSerializer

DEMO_KEY = "kontrol-demo-key"
SALT = "kontrol-executor-link"
OVERSEE = "oversee"
LinkFor = Callable[[int, str], str]  # (assignment_id, body_id) -> token


def serializer(secret_key: str | None, purpose: str | None = None) -> URLSafeTimedSerializer:
    """The executor's serializer, or with ``purpose`` one under a salt of its own."""
    salt = SALT if purpose is None else f"{SALT}:{purpose}"
    return URLSafeTimedSerializer(secret_key or DEMO_KEY, salt=salt)


class Links:
    """``link_for(assignment_id, body_id) -> token`` bound to one key, plus ``oversee`` for the
    supervisor's read-only link; the serializers are built once (a sweep signs many links)."""

    def __init__(self, secret_key: str | None) -> None:
        self._executor = serializer(secret_key)
        self._oversee = serializer(secret_key, OVERSEE)

    def __call__(self, assignment_id: int, body_id: str) -> str:
        """The executor's token: only ever for the assignment's own body."""
        return str(self._executor.dumps([assignment_id, body_id]))

    def oversee(self, assignment_id: int, body_id: str) -> str:
        """A supervisor's token (``body_id``: the curator or controller the mail goes to)."""
        return str(self._oversee.dumps([assignment_id, body_id]))


def make_link_for(secret_key: str | None) -> Links:
    """A ``link_for(assignment_id, body_id) -> token`` bound to one key."""
    return Links(secret_key)


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
