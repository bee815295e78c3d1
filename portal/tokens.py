"""Signed capabilities of the portal, built on ``kontrol.mail.links``.

A link is the only credential: whoever holds it may do what it names, for one assignment (or,
for an overview, everything overdue under one body) and one body, until it expires. Four kinds:

- the **view** link of an executor, exactly the token the mails carry (``links.link_for``:
  ``[assignment_id, body_id]`` under the salt ``links.SALT``);
- the **oversee** link of a supervisor, as the escalation digests carry it
  (``links.Links.oversee``: ``[assignment_id, supervisor_body_id]`` under the salt
  ``links.SALT + ":oversee"``): read-only, valid while that body supervises the assignment;
- the **overview** link of a supervisor, as the supervisors' daily mail carries it
  (``links.Links.overview``: ``[supervisor_body_id]`` under the salt ``links.SALT +
  ":overview"``): read-only, the list of everything overdue under that body, each row an
  oversee link signed when the page is shown;
- a **decision** link of a curator: ``[assignment_id, curator_body_id, ref]`` under the salt
  ``links.SALT + ":" + purpose`` (``approve`` / ``reject`` an extension request ``ref``;
  ``accept`` / ``return`` a report ``ref``). A separate salt per purpose means a reject link
  cannot be replayed as an approve link, nor a view link as either, nor an oversee link as a
  view link (which would let a supervisor report as the executor) or the other way round.

Expiry is checked against an injected ``now`` (itsdangerous would read the clock itself), so
tests can walk past it. A token from "the future" (signed after ``now``) is not refused: it can
only have been made with the key. Audit records name a link by ``token_id`` (a hash), never by
the token itself; a link is accepted only in the spelling its signer wrote
(``links.canonical``), so one link has one ``token_id``. ``secret_key`` is one key or the list
of ``links.signing_keys`` (previous keys first, the current one last: it signs).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from kontrol.mail import links

DEFAULT_TTL = dt.timedelta(days=60)
OVERSEE = links.OVERSEE
OVERVIEW = links.OVERVIEW
CHARTS = links.CHARTS
DECISIONS = ("approve", "reject", "accept", "return")
PURPOSES = ("view", OVERSEE, OVERVIEW, CHARTS, *DECISIONS)
Clock = Callable[[], dt.datetime]


class InvalidLink(Exception):
    """Forged, altered, expired, or naming something else: the portal answers 403."""


@dataclass(frozen=True)
class Grant:
    """What a valid link allows: one assignment, one body, maybe one request/report."""

    assignment_id: int
    body_id: str
    token_id: str
    purpose: str = "view"
    ref: int | None = None


def token_id(token: str) -> str:
    """A short stable name of a link for the audit trail (a hash, not the capability)."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def _clock_signer(clock: Clock) -> type[TimestampSigner]:
    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock().timestamp())

    return ClockSigner


def _serializer(
    secret_key: links.Keys, purpose: str, clock: Clock | None
) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    base = links.serializer(secret_key, None if purpose == "view" else purpose)
    if clock is None:
        return base
    return URLSafeTimedSerializer(base.secret_keys, salt=base.salt, signer=_clock_signer(clock))


def view_token(
    assignment_id: int, body_id: str, *, secret_key: links.Keys, clock: Clock | None = None
) -> str:
    """The executor's link token (the same format as in the mails)."""
    return str(_serializer(secret_key, "view", clock).dumps([assignment_id, body_id]))


def oversee_token(
    assignment_id: int, body_id: str, *, secret_key: links.Keys, clock: Clock | None = None
) -> str:
    """A supervisor's read-only link token (the same format as in the digests)."""
    return str(_serializer(secret_key, OVERSEE, clock).dumps([assignment_id, body_id]))


def decision_token(
    purpose: str,
    assignment_id: int,
    body_id: str,
    ref: int,
    *,
    secret_key: links.Keys,
    clock: Clock | None = None,
) -> str:
    """A curator's link to decide on request/report ``ref`` of one assignment."""
    return str(_serializer(secret_key, purpose, clock).dumps([assignment_id, body_id, ref]))


def overview_token(body_id: str, *, secret_key: links.Keys, clock: Clock | None = None) -> str:
    """A supervisor's overview link token (the same format as in the daily mail)."""
    return str(_serializer(secret_key, OVERVIEW, clock).dumps([body_id]))


def charts_token(*, secret_key: links.Keys, clock: Clock | None = None) -> str:
    """The link token of the portfolio's pictures (the same format the sweep's artifacts use)."""
    return str(_serializer(secret_key, CHARTS, clock).dumps(["portfolio"]))


MAX_ID = 2**31 - 1  # the largest id the database holds (PostgreSQL integer)


def _payload(
    token: str, *, purpose: str, secret_key: links.Keys, now: dt.datetime, ttl: dt.timedelta
) -> object:
    """The signed payload of a token for ``purpose``, checked for spelling and age."""
    try:
        payload, signed_at = _serializer(secret_key, purpose, None).loads(
            token, return_timestamp=True
        )
    except (BadData, ValueError, TypeError) as exc:
        raise InvalidLink("bad signature") from exc
    if not links.canonical(token):
        raise InvalidLink("not the canonical spelling of the link")
    if now - signed_at > ttl:
        raise InvalidLink("expired")
    return payload


def _an_id(value: object) -> bool:
    """A row id the database can hold: a signed number beyond it is a malformed link (the
    driver's OverflowError answered 500), not a lookup."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def read(
    token: str,
    *,
    purpose: str,
    secret_key: links.Keys,
    now: dt.datetime,
    ttl: dt.timedelta = DEFAULT_TTL,
) -> Grant:
    """The grant of a token for ``purpose``; raises ``InvalidLink`` whatever is wrong with it."""
    if purpose in (OVERVIEW, CHARTS):
        raise ValueError(f"a {purpose} link names no assignment: read_{purpose}")
    payload = _payload(token, purpose=purpose, secret_key=secret_key, now=now, ttl=ttl)
    expected = 3 if purpose in DECISIONS else 2
    if not isinstance(payload, list) or len(payload) != expected:
        raise InvalidLink("malformed")
    aid, body = payload[0], payload[1]
    if not _an_id(aid) or not isinstance(body, str):
        raise InvalidLink("malformed")
    ref = payload[2] if expected == 3 else None
    if expected == 3 and not _an_id(ref):
        raise InvalidLink("malformed")
    return Grant(aid, body, token_id(token), purpose, ref)


@dataclass(frozen=True)
class Overview:
    """What a valid overview link allows: reading what is overdue under one body."""

    body_id: str
    token_id: str


def read_overview(
    token: str, *, secret_key: links.Keys, now: dt.datetime, ttl: dt.timedelta = DEFAULT_TTL
) -> Overview:
    """The body of an overview token; raises ``InvalidLink`` whatever is wrong with it."""
    payload = _payload(token, purpose=OVERVIEW, secret_key=secret_key, now=now, ttl=ttl)
    if not isinstance(payload, list) or len(payload) != 1 or not isinstance(payload[0], str):
        raise InvalidLink("malformed")
    return Overview(payload[0], token_id(token))


def read_charts(
    token: str, *, secret_key: links.Keys, now: dt.datetime, ttl: dt.timedelta = DEFAULT_TTL
) -> None:
    """A valid link to the portfolio's pictures, or ``InvalidLink``."""
    payload = _payload(token, purpose=CHARTS, secret_key=secret_key, now=now, ttl=ttl)
    if payload != ["portfolio"]:
        raise InvalidLink("malformed")
