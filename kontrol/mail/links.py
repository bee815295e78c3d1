"""Signed links to the portal: the executor's ``{portal_base_url}/a/{token}``, a supervisor's
read-only view of one assignment ``{portal_base_url}/s/{token}`` and a supervisor's read-only
overview of everything overdue under them ``{portal_base_url}/o/{token}``.

The token names (assignment, body) and is signed with ``KONTROL_SECRET_KEY``, so a link cannot
be forged or pointed at another assignment. There is no fallback key: a key that anyone can read
(the old built-in demo key, a short or uniform string) would let anyone forge any link, and the
mails that carry it are frozen in the outbox — so ``signing_keys`` refuses to hand out a key
unless a real one is set, and nothing that writes a link starts without it. Keys of earlier
configurations (``KONTROL_SECRET_KEYS_PREVIOUS``) still verify links, so a key change does not
strand the links already sent; only the current key signs.

The kinds have separate salts: an executor's link lets its holder report and ask for more
time, so it must never reach a supervisor, and a supervisor's link must not open the executor
page. The overview link names only the supervisor body (``[body_id]``); the page checks on
each visit what is under that body. The portal reads them back (``portal.tokens``).
Rendering takes ``link_for`` as a pluggable callable so tests and the portal can swap it;
``make_link_for`` returns a ``Links`` that is such a callable and also signs the supervisor's
links (``.oversee``, ``.overview``), so a digest needs nothing more than what the mail code has.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from itsdangerous import BadData, BadSignature, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode

from kontrol.errors import KontrolError
from kontrol.settings import Settings

DEMO_KEY = "kontrol-demo-key"  # the public key of earlier versions: refused, never a fallback
MIN_KEY_LENGTH = 32
MIN_KEY_SYMBOLS = 10  # distinct characters: refuses "aaaa…" and "1212…"
SALT = "kontrol-executor-link"
OVERSEE = "oversee"
OVERVIEW = "overview"
CHARTS = "charts"
LinkFor = Callable[[int, str], str]  # (assignment_id, body_id) -> token
Keys = str | Sequence[str]  # one key, or the keys that verify, oldest first; the last one signs
NEW_KEY_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


def _key_problem(key: str) -> str | None:
    """What is wrong with a key, in words, or None (the key itself is never repeated)."""
    if key == DEMO_KEY:
        return f"is the public demo key {DEMO_KEY!r} from the source code"
    if len(key) < MIN_KEY_LENGTH:
        return f"is {len(key)} characters long, at least {MIN_KEY_LENGTH} are needed"
    if len(set(key)) < MIN_KEY_SYMBOLS:
        return f"has only {len(set(key))} distinct characters, at least {MIN_KEY_SYMBOLS} needed"
    return None


def previous_keys(raw: str | None) -> list[str]:
    """``KONTROL_SECRET_KEYS_PREVIOUS``: a JSON list of strings, or keys separated by commas."""
    if raw is None or not raw.strip():
        return []
    text = raw.strip()
    if text.startswith("["):
        try:
            keys = json.loads(text)
        except ValueError:
            keys = None
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise KontrolError(
                "KONTROL_SECRET_KEYS_PREVIOUS starts with '[' but is not a JSON list of strings"
            )
        return [k.strip() for k in keys if k.strip()]
    return [k.strip() for k in text.split(",") if k.strip()]


def signing_keys(settings: Settings) -> list[str]:
    """The keys that verify links, oldest first; the last (``KONTROL_SECRET_KEY``) signs.

    Raises a ``KontrolError`` naming the setting when the key is missing or weak: called before
    anything is written by every command, flow and server that writes or reads a link.
    """
    key = settings.secret_key
    if not key:
        raise KontrolError(
            "KONTROL_SECRET_KEY is not set: the portal links in the mails must be signed with "
            f"a secret key of at least {MIN_KEY_LENGTH} random characters, e.g. {NEW_KEY_HINT}"
        )
    problem = _key_problem(key)
    if problem:
        raise KontrolError(
            f"KONTROL_SECRET_KEY {problem}: anyone could forge the portal links; "
            f"set a new random key, e.g. {NEW_KEY_HINT}"
        )
    previous = previous_keys(settings.secret_keys_previous)
    for n, old in enumerate(previous, 1):
        problem = _key_problem(old)
        if problem:
            raise KontrolError(
                f"KONTROL_SECRET_KEYS_PREVIOUS: key {n} of {len(previous)} {problem}: links "
                "signed with it could be forged; drop it (its links stop working)"
            )
    return [*dict.fromkeys(k for k in previous if k != key), key]


def serializer(keys: Keys, purpose: str | None = None) -> URLSafeTimedSerializer:
    """The executor's serializer, or with ``purpose`` one under a salt of its own."""
    if not keys or (not isinstance(keys, str) and not all(keys)):
        raise ValueError("links need a secret key (kontrol.mail.links.signing_keys)")
    salt = SALT if purpose is None else f"{SALT}:{purpose}"
    return URLSafeTimedSerializer(keys if isinstance(keys, str) else list(keys), salt=salt)


def canonical(token: str) -> bool:
    """Whether the token's signature is spelled as the signer spells it.

    Base64 decoding ignores the spare low bits of the last character and a trailing ``=``, so
    one signature has several spellings; each would be a different token (a different
    ``token_id`` in the audit trail). Only the signer's own spelling is accepted.
    """
    _, dot, signature = token.rpartition(".")
    if not dot or not signature.isascii():
        return False
    try:
        return base64_encode(base64_decode(signature)).decode("ascii") == signature
    except BadData:
        return False


class Links:
    """``link_for(assignment_id, body_id) -> token`` bound to the keys, plus ``oversee`` for the
    supervisor's read-only link; the serializers are built once (a sweep signs many links)."""

    def __init__(self, keys: Keys) -> None:
        self._executor = serializer(keys)
        self._oversee = serializer(keys, OVERSEE)
        self._overview = serializer(keys, OVERVIEW)
        self._charts = serializer(keys, CHARTS)

    def __call__(self, assignment_id: int, body_id: str) -> str:
        """The executor's token: only ever for the assignment's own body."""
        return str(self._executor.dumps([assignment_id, body_id]))

    def oversee(self, assignment_id: int, body_id: str) -> str:
        """A supervisor's token (``body_id``: the curator or controller the mail goes to)."""
        return str(self._oversee.dumps([assignment_id, body_id]))

    def overview(self, body_id: str) -> str:
        """A supervisor's token for the overview of everything overdue under ``body_id``."""
        return str(self._overview.dumps([body_id]))

    def charts(self) -> str:
        """The token of the portfolio's pictures the Prefect UI shows (image artifacts take a
        URL): they name no person and no assignment, only the plan's shape."""
        return str(self._charts.dumps(["portfolio"]))


def make_link_for(settings: Settings) -> Links:
    """A ``link_for(assignment_id, body_id) -> token`` signing with ``KONTROL_SECRET_KEY``;
    a ``KontrolError`` naming the setting when there is no real key."""
    return Links(signing_keys(settings))


def link_for(assignment_id: int, body_id: str, *, secret_key: Keys) -> str:
    """The token for one executor's view of one assignment."""
    return Links(secret_key)(assignment_id, body_id)


def executor_url(portal_base_url: str, token: str) -> str:
    return f"{portal_base_url.rstrip('/')}/a/{token}"


def overview_url(portal_base_url: str, token: str) -> str:
    return f"{portal_base_url.rstrip('/')}/o/{token}"


def chart_url(portal_base_url: str, token: str, picture: str) -> str:
    """``picture``: «workload.svg» or «timeline-<roadmap id>.svg» (``portal.charts``)."""
    return f"{portal_base_url.rstrip('/')}/charts/{token}/{picture}"


def read_token(token: str, *, secret_key: Keys, max_age: int | None = None) -> tuple[int, str]:
    """(assignment_id, body_id) from a token; raises itsdangerous.BadSignature if forged,
    expired or not in its canonical spelling."""
    if not canonical(token):
        raise BadSignature("not the canonical spelling of the token")
    assignment_id, body_id = serializer(secret_key).loads(token, max_age=max_age)
    return int(assignment_id), str(body_id)
