"""Who may use which route: every route is declared with :func:`route` and a set of roles.

The check runs on the server for every request before the handler: no session, the login page;
a role outside the route's set, 403. Requests that change something (every method but GET) must
also carry the session's CSRF token, as the form field ``csrf`` or the ``X-CSRF-Token`` header
that htmx sends. :data:`RULES` keeps the route table so that a test can walk every route and role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from counterflow.app.models import ROLES
from counterflow.app.security import lookup_session, same

COOKIE = "cf_session"
LOGIN_COOKIE = "cf_login_csrf"

PUBLIC: frozenset[str] = frozenset()
READ = frozenset(ROLES)                                 # everyone signed in
WORK = frozenset({"analyst", "approver", "admin"})      # claim, decide, build cases
SUPERVISE = frozenset({"approver", "admin"})            # assign others' work
APPROVE = frozenset({"approver", "admin"})              # the second pair of eyes
AUDIT = frozenset({"auditor", "admin"})                 # read the audit log, export it
ADMIN = frozenset({"admin"})

RULES: dict[tuple[str, str], frozenset[str] | None] = {}


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    csrf: str


class NeedLogin(Exception):
    pass


def _check(roles: frozenset[str] | None) -> Callable[..., Any]:
    async def dep(request: Request) -> None:
        if roles is None:
            return
        ctx = request.app.state.ctx
        with ctx.db.read() as s:
            found = lookup_session(s, request.cookies.get(COOKIE))
        if found is None:
            raise NeedLogin()
        ws, user = found
        if user.role not in roles:
            raise HTTPException(403, f"the {user.role} role may not do this")
        if request.method not in ("GET", "HEAD"):
            token = request.headers.get("x-csrf-token")
            if token is None and "form" in request.headers.get("content-type", ""):
                # Parsed once here (the handler gets the same form); parts up to the attachment limit.
                limit = ctx.config.max_attachment_bytes + (1 << 20)
                token = (await request.form(max_part_size=limit)).get("csrf")
            if not same(token if isinstance(token, str) else None, ws.csrf):
                raise HTTPException(403, "missing or wrong CSRF token: reload the page")
        request.state.me = Principal(user.name, user.role, ws.csrf)
    return dep


def route(router: APIRouter, method: str, path: str, roles: frozenset[str] | None, **kw: Any) -> Callable:
    """Register a handler for ``method path`` open to ``roles`` (None: public, no session)."""
    def deco(fn: Callable) -> Callable:
        full = (router.prefix or "") + path
        RULES[(method, full)] = roles
        fn.__cf_roles__ = roles  # type: ignore[attr-defined]
        router.add_api_route(path, fn, methods=[method], dependencies=[Depends(_check(roles))],
                             include_in_schema=False, **kw)
        return fn
    return deco


def me(request: Request) -> Principal:
    return request.state.me
