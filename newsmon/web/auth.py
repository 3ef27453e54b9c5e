"""Admin accounts, the session-signing key, CSRF tokens and the login rate limit.

Passwords are hashed with argon2 (argon2-cffi); the web's session cookie is signed by
Starlette's SessionMiddleware (itsdangerous) with a key made on first use and kept in
the database, so every web process of a fleet signs alike. Decisions are pure
functions; the database is touched only through the session handed in.
"""

from __future__ import annotations

import hmac
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsmon.storage.models import AdminUser, WebKey

MIN_PASSWORD = 10
SESSION_KEY = "session"


class AdminError(ValueError):
    """An admin account that cannot be added; the message says why."""


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so a wrong name costs what a wrong
    password costs and timing does not tell which names exist."""
    return _hasher().hash(secrets.token_hex(16))


def check_name(typed: str) -> str:
    name = typed.strip()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "-_.@" for c in name):
        raise AdminError(f"bad admin name {typed[:70]!r}: use letters, digits, '-_.@'")
    return name


def add_admin(session: Session, *, name: str, password: str, now: datetime) -> AdminUser:
    """A new admin account (or a new password for an existing one)."""
    name = check_name(name)
    if len(password) < MIN_PASSWORD:
        raise AdminError(f"the password must be at least {MIN_PASSWORD} characters")
    user = session.scalar(select(AdminUser).where(AdminUser.name == name))
    if user is None:
        user = AdminUser(name=name, feed_token=secrets.token_urlsafe(24), created_at=now)
        session.add(user)
    user.password_hash = _hasher().hash(password)
    session.flush()
    return user


def remove_admin(session: Session, *, name: str) -> None:
    user = session.scalar(select(AdminUser).where(AdminUser.name == name))
    if user is None:
        raise AdminError(f"there is no admin {name!r}")
    session.delete(user)


def has_admins(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(AdminUser)) or 0) > 0


def check_login(session: Session, *, name: str, password: str) -> AdminUser | None:
    """The account if NAME and PASSWORD match, else None."""
    user = session.scalar(select(AdminUser).where(AdminUser.name == name.strip()[:64]))
    try:
        _hasher().verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def feed_token_owner(session: Session, token: str) -> str | None:
    """The admin whose feed token this is (private mode lets feed readers in by it)."""
    if not token:
        return None
    users = session.execute(select(AdminUser.name, AdminUser.feed_token)).all()
    for name, known in users:  # compared in constant time, one by one: a few admins
        if hmac.compare_digest(known.encode(), token.encode()):
            return str(name)
    return None


def session_secret(session: Session) -> str:
    """The key that signs session cookies, made on first use."""
    key = session.get(WebKey, SESSION_KEY)
    if key is None:
        key = WebKey(name=SESSION_KEY, value=secrets.token_urlsafe(48))
        session.add(key)
        session.flush()
    return key.value


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(expected: object, given: object) -> bool:
    """Whether a form's token is the session's (both must be non-empty strings)."""
    if not isinstance(expected, str) or not isinstance(given, str) or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


@dataclass
class LoginLimiter:
    """Failed logins per client address and per account name within a window; past
    `limit` of either, logins are refused until the oldest failure leaves the window."""

    limit: int = 5
    window: timedelta = timedelta(minutes=15)
    failures: dict[str, deque[datetime]] = field(default_factory=dict)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        times = self.failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked(self, keys: tuple[str, ...], now: datetime) -> bool:
        return any(len(self._recent(k, now)) >= self.limit for k in keys)

    def failed(self, keys: tuple[str, ...], now: datetime) -> None:
        for key in keys:
            self._recent(key, now).append(now)
        if len(self.failures) > 10_000:  # a flood of names: forget the idle ones
            for key in [k for k, v in self.failures.items() if not v]:
                del self.failures[key]
