"""API keys, passwords, principals and roles.

A key reads ``ftk_<key_id>_<secret>``: ``key_id`` (10 lower-case base32 characters) is public and
indexed; ``secret`` carries 256 random bits. Only SHA-256 of the whole token is stored -- a slow
hash adds nothing for a 256-bit random secret -- and it is compared in constant time. Passwords
(people, for the web application) are hashed with argon2id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from fentrace.service.models import ROLES

KEY_PREFIX = "ftk_"
KEY_ID_LENGTH = 10
#: Shortest password ``fentrace admin user create`` accepts from standard input.
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()
# Verifying a password for an unknown user costs the same as for a known one.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an API key or a signed-in user, with a role."""

    kind: Literal["key", "user", "cli"]
    id: str
    name: str
    role: str

    @property
    def actor(self) -> str:
        """How the audit log names this principal: ``key:<key_id>``, ``user:<name>``, ``cli:<name>``."""
        return f"{self.kind}:{self.id}"

    def can(self, role: str) -> bool:
        """True when this principal's role is ``role`` or above (viewer < analyst < admin)."""
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly made key: ``token`` is shown once and never stored."""

    key_id: str
    token: str
    secret_sha256: str


def new_key() -> NewKey:
    """A new random API key."""
    key_id = base64.b32encode(secrets.token_bytes(10)).decode().lower()[:KEY_ID_LENGTH]
    token = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    return NewKey(key_id, token, token_sha256(token))


def token_sha256(token: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def split_token(token: str) -> str | None:
    """The key id of a well-formed token, else None."""
    if not token.startswith(KEY_PREFIX):
        return None
    key_id, sep, secret = token[len(KEY_PREFIX) :].partition("_")
    if not sep or len(key_id) != KEY_ID_LENGTH or len(secret) < 32 or len(token) > 200:
        return None
    return key_id


def same_digest(expected: str, token: str) -> bool:
    """Constant-time check that ``token`` hashes to ``expected``."""
    return hmac.compare_digest(expected, token_sha256(token))


def hash_password(password: str) -> str:
    """The argon2id hash of a password."""
    return _hasher.hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash is checked against a dummy (same cost)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    """A one-time password for a new user (about 120 random bits)."""
    return secrets.token_urlsafe(15)
