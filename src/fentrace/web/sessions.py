"""Signed session cookies, CSRF tokens and the check of who is signed in.

The session cookie holds who signed in (user name or key id, never a key or a password), the
role, an expiry and the session's CSRF token, signed with HMAC-SHA256 under a secret kept in
the data directory (or ``FENTRACE_WEB_SECRET``), so sessions survive a restart and several
processes share them. Each request re-reads the user or key from the database: a disabled user,
a revoked key or a changed role takes effect at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from fentrace.service import Principal, Service
from fentrace.service.models import ApiKey, User

SESSION_COOKIE = "fentrace_session"
#: An anonymous visitor's random id; the sign-in form's CSRF token is derived from it.
VISITOR_COOKIE = "fentrace_visitor"
#: How long a sign-in lasts.
SESSION_SECONDS = 12 * 3600
SECRET_ENV = "FENTRACE_WEB_SECRET"


def load_secret(data_dir: Path) -> bytes:
    """The signing secret: ``FENTRACE_WEB_SECRET``, else ``<data dir>/web-secret`` (made once, 0600)."""
    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        return from_env.encode("utf-8")
    path = data_dir / "web-secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text("utf-8").strip().encode("utf-8")


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in principal and the CSRF token of its forms."""

    principal: Principal
    csrf: str
    expires: int


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Makes and checks session cookies and CSRF tokens under one secret.

    Signing out ends a session in this process at once (its token is kept as revoked until
    it would have expired anyway); other processes sharing the secret honour it until expiry.
    """

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self._revoked: dict[str, int] = {}
        self._lock = threading.Lock()

    def revoke(self, session: Session, *, now: float | None = None) -> None:
        """End ``session``: its cookie no longer reads as a session."""
        clock = now or time.time()
        with self._lock:
            self._revoked = {k: e for k, e in self._revoked.items() if e >= clock}
            self._revoked[session.csrf] = session.expires

    def _mac(self, message: bytes) -> str:
        return _b64(hmac.new(self.secret, message, hashlib.sha256).digest())

    def issue(self, principal: Principal, *, now: float | None = None) -> tuple[str, Session]:
        """A new session (fresh CSRF token) for ``principal`` and its cookie value."""
        expires = int((now or time.time()) + SESSION_SECONDS)
        session = Session(principal, secrets.token_urlsafe(24), expires)
        body = {
            "k": principal.kind,
            "i": principal.id,
            "n": principal.name,
            "r": principal.role,
            "c": session.csrf,
            "e": expires,
        }
        payload = _b64(json.dumps(body, separators=(",", ":")).encode("utf-8"))
        return f"{payload}.{self._mac(payload.encode('ascii'))}", session

    def read(self, cookie: str | None, *, now: float | None = None) -> Session | None:
        """The session of a well-signed, unexpired cookie; None for anything else."""
        if not cookie or len(cookie) > 4096:
            return None
        payload, _, mac = cookie.partition(".")
        if not mac or not hmac.compare_digest(mac, self._mac(payload.encode("ascii", "replace"))):
            return None
        try:
            body: dict[str, Any] = json.loads(_unb64(payload))
            principal = Principal(str(body["k"]), str(body["i"]), str(body["n"]), str(body["r"]))  # type: ignore[arg-type]
            session = Session(principal, str(body["c"]), int(body["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        if session.expires < (now or time.time()):
            return None
        with self._lock:
            if session.csrf in self._revoked:
                return None
        return session

    def visitor_token(self, visitor: str) -> str:
        """The CSRF token of the sign-in form for an anonymous visitor id."""
        return self._mac(b"sign-in:" + visitor.encode("utf-8"))


def same_token(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a CSRF token."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def current(service: Service, session: Session) -> Principal | None:
    """The session's principal as the database has it now: None once disabled or revoked."""
    principal = session.principal
    with service.sessions() as db:
        if principal.kind == "user":
            user = db.execute(
                select(User).where(User.username == principal.id)
            ).scalar_one_or_none()
            if user is None or user.disabled:
                return None
            return Principal("user", user.username, user.username, user.role)
        if principal.kind == "key":
            key = db.execute(
                select(ApiKey).where(ApiKey.key_id == principal.id)
            ).scalar_one_or_none()
            if key is None or key.revoked_at is not None:
                return None
            return Principal("key", key.key_id, key.name, key.role)
    return None
