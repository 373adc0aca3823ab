"""Accounts, passwords, sessions, CSRF tokens and login throttling.

Passwords are hashed with argon2id (argon2-cffi's defaults). A session is a random token in an
HttpOnly, SameSite=Strict cookie; the database keeps only its SHA-256, the user, its expiry and
the session's CSRF token, which every form and htmx request sends back. A name or an address with
``login_max_failures`` failed logins inside ``login_window_s`` is refused until the window passes,
whatever the password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from counterflow.app.audit import now, record
from counterflow.app.models import ROLES, LoginAttempt, User, WebSession
from counterflow.errors import InputError

_HASHER = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs the same time as a wrong password.
_DUMMY = _HASHER.hash("counterflow-no-such-user")
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
MIN_PASSWORD = 10


def check_name(name: str) -> str:
    if not 1 <= len(name) <= 64 or not set(name) <= NAME_CHARS:
        raise InputError("a user name is 1-64 letters, digits, '.', '_' or '-'", field="NAME")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}", field="--role")
    return role


def add_user(s: Session, name: str, role: str, password: str, actor: str = "cli") -> User:
    check_name(name)
    check_role(role)
    if len(password) < MIN_PASSWORD:
        raise InputError(f"a password has at least {MIN_PASSWORD} characters", field="password")
    if s.get(User, name) is not None:
        raise InputError(f"user {name!r} exists", field="NAME")
    u = User(name=name, role=role, pw_hash=_HASHER.hash(password), active=True, created_at=now())
    s.add(u)
    record(s, actor, "user.add", "user", name, after={"role": role})
    return u


def throttled(s: Session, name: str, ip: str, max_failures: int, window_s: int) -> bool:
    since = now() - dt.timedelta(seconds=window_s)
    for col, value in ((LoginAttempt.user_name, name), (LoginAttempt.ip, ip)):
        n = s.scalar(select(func.count()).select_from(LoginAttempt)
                     .where(col == value, LoginAttempt.ts >= since, LoginAttempt.ok.is_(False)))
        if (n or 0) >= max_failures:
            return True
    return False


def authenticate(s: Session, name: str, password: str, ip: str) -> User | None:
    u = s.get(User, name) if name else None
    try:
        ok = _HASHER.verify(u.pw_hash if u else _DUMMY, password) and u is not None and u.active
    except (VerificationError, InvalidHashError):
        ok = False
    s.add(LoginAttempt(user_name=name[:64], ip=ip[:64], ts=now(), ok=bool(ok)))
    return u if ok else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_session(s: Session, user: User, hours: int) -> tuple[str, WebSession]:
    token = secrets.token_urlsafe(32)
    t = now()
    ws = WebSession(token_hash=token_hash(token), user_name=user.name, csrf=secrets.token_urlsafe(32),
                    created_at=t, expires_at=t + dt.timedelta(hours=hours))
    s.add(ws)
    s.execute(delete(WebSession).where(WebSession.expires_at < t))
    return token, ws


def lookup_session(s: Session, token: str | None) -> tuple[WebSession, User] | None:
    if not token:
        return None
    ws = s.get(WebSession, token_hash(token))
    if ws is None or ws.expires_at < now():
        return None
    u = s.get(User, ws.user_name)
    if u is None or not u.active:
        return None
    return ws, u


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
