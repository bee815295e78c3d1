"""The reply address of an assignment mail: kontrol's mailbox with a signed plus-part.

``kontrol+a123.k7x…@edu.example.org`` names assignment 123 and carries an HMAC of
(assignment, body) under the link keys (``links.signing_keys``) with a salt of its own, so a
reply address cannot be forged or pointed at another assignment, and a link token can never be
replayed as one (nor the other way round). The signature is lowercase base32: mail systems may
change the case of an address, and a local part stays within 64 characters (RFC 5321). Keys of
earlier configurations still verify, like the links; only the current key signs.

It carries no expiry: a reply to a closed assignment is refused by its state, not its age.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import getaddresses, parseaddr

from kontrol.mail.links import Keys

SALT = b"kontrol-reply-address"
_TAG = re.compile(r"^a(\d{1,10})\.([a-z2-7]{26})$")


@dataclass(frozen=True)
class ReplyTag:
    """What a reply address says: the assignment and the signature to check."""

    assignment_id: int
    signature: str


def _sign(key: str, assignment_id: int, body_id: str) -> str:
    mac = hmac.new(key.encode(), SALT + f":{assignment_id}:{body_id}".encode(), hashlib.sha256)
    return base64.b32encode(mac.digest()[:16]).decode("ascii").rstrip("=").lower()


class ReplyAddresses:
    """Signs and checks the reply addresses of one mailbox (``kontrol@…`` → ``kontrol+…@…``)."""

    def __init__(self, mailbox: str, keys: Keys) -> None:
        _, address = parseaddr(mailbox)
        local, _, domain = address.rpartition("@")
        if not local or not domain:
            raise ValueError(f"not an e-mail address: {mailbox!r}")
        self.local, self.domain = local.split("+", 1)[0], domain.lower()
        self.keys: Sequence[str] = [keys] if isinstance(keys, str) else list(keys)
        if not self.keys or not all(self.keys):
            raise ValueError("reply addresses need a secret key (links.signing_keys)")

    def address(self, assignment_id: int, body_id: str) -> str:
        sig = _sign(self.keys[-1], assignment_id, body_id)
        return f"{self.local}+a{assignment_id}.{sig}@{self.domain}"

    def tag(self, address: str) -> ReplyTag | None:
        """The tag of one of this mailbox's plus-addresses, unchecked; None for any other."""
        local, _, domain = address.strip().strip("<>").rpartition("@")
        base, plus, tag = local.partition("+")
        if domain.lower() != self.domain or not plus or base.lower() != self.local.lower():
            return None
        found = _TAG.match(tag.lower())
        if found is None:
            return None
        return ReplyTag(int(found.group(1)), found.group(2))

    def find(self, headers: Sequence[str]) -> ReplyTag | None:
        """The first tag among the addresses of ``headers`` (To, Cc, Delivered-To …)."""
        for _, address in getaddresses(list(headers)):
            tag = self.tag(address)
            if tag is not None:
                return tag
        return None

    def valid(self, tag: ReplyTag, body_id: str) -> bool:
        """Whether ``tag`` was signed for its assignment and ``body_id`` by one of the keys."""
        return any(
            hmac.compare_digest(_sign(key, tag.assignment_id, body_id), tag.signature)
            for key in self.keys
        )
