"""Signing in and out, users, the audit log (view, verify, export) and the labels export."""

from __future__ import annotations

import io
import json
import secrets

import pyarrow as pa
import pyarrow.parquet as pq
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete, select

from counterflow.app import audit
from counterflow.app.cases import labels_rows
from counterflow.app.models import ROLES, AuditEntry, User, WebSession
from counterflow.app.security import add_user, authenticate, new_session, same, throttled, token_hash
from counterflow.app.web.access import ADMIN, AUDIT, COOKIE, LOGIN_COOKIE, READ, SUPERVISE, me, route
from counterflow.app.web.forms import choice, form, text

router = APIRouter()


def _cookie(resp: Response, request: Request, name: str, value: str, max_age: int) -> None:
    resp.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                    secure=request.app.state.ctx.config.secure_cookies, path="/")


@route(router, "GET", "/login", None)
def login_page(request: Request) -> Response:
    ctx = request.app.state.ctx
    token = secrets.token_urlsafe(24)
    resp = ctx.page(request, "login.html", login_csrf=token, message=None)
    _cookie(resp, request, LOGIN_COOKIE, token, 3600)
    return resp


@route(router, "POST", "/login", None)
async def login(request: Request) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    name, password = text(f, "name", max_len=64), f.get("password") or ""
    if not same(f.get("csrf"), request.cookies.get(LOGIN_COOKIE)):
        return ctx.page(request, "login.html", http_status=403, login_csrf=request.cookies.get(LOGIN_COOKIE, ""),
                        message="The form expired: try again.")
    ip = request.client.host if request.client else "?"
    cfg = ctx.config
    with ctx.db.write() as s:
        if throttled(s, name, ip, cfg.login_max_failures, cfg.login_window_s):
            return ctx.page(request, "login.html", http_status=429, login_csrf=request.cookies.get(LOGIN_COOKIE, ""),
                            message="Too many failed sign-ins: wait and try again.")
        user = authenticate(s, name, str(password), ip)
        if user is None:
            audit.record(s, name or "?", "login.fail", "user", name or "?", after={"ip": ip})
        else:
            token, _ = new_session(s, user, cfg.session_hours)
            audit.record(s, user.name, "login", "user", user.name, after={"ip": ip})
    if user is None:
        return ctx.page(request, "login.html", http_status=401, login_csrf=request.cookies.get(LOGIN_COOKIE, ""),
                        message="Wrong name or password.")
    resp = RedirectResponse("/queue", status_code=303)
    _cookie(resp, request, COOKIE, token, cfg.session_hours * 3600)
    resp.delete_cookie(LOGIN_COOKIE, path="/")
    return resp


@route(router, "POST", "/logout", READ)
async def logout(request: Request) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.write() as s:
        s.execute(delete(WebSession).where(WebSession.token_hash == token_hash(request.cookies.get(COOKIE, ""))))
        audit.record(s, me(request).name, "logout", "user", me(request).name)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


@route(router, "GET", "/", READ)
def home(request: Request) -> Response:
    return RedirectResponse("/queue", status_code=303)


@route(router, "GET", "/healthz", None)
def healthz(request: Request) -> Response:
    return Response("ok", media_type="text/plain")


@route(router, "GET", "/admin/users", ADMIN)
def users_page(request: Request) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.read() as s:
        users = s.scalars(select(User).order_by(User.name)).all()
    return ctx.page(request, "users.html", users=users, roles=ROLES)


@route(router, "POST", "/admin/users", ADMIN)
async def users_add(request: Request) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    with ctx.db.write() as s:
        add_user(s, text(f, "name", required=True, max_len=64), choice(text(f, "role"), "role", ROLES),
                 str(f.get("password") or ""), actor=me(request).name)
    return RedirectResponse("/admin/users", status_code=303)


@route(router, "GET", "/audit", AUDIT)
def audit_page(request: Request) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.read() as s:
        verdict = audit.verify(s)
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(200)).all()
    return ctx.page(request, "audit.html", verdict=verdict, entries=entries)


@route(router, "GET", "/audit/export", AUDIT)
def audit_export(request: Request) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.read() as s:
        lines = [json.dumps(r, ensure_ascii=False, default=str) for r in audit.export_rows(s)]
    return Response("\n".join(lines) + "\n", media_type="application/x-ndjson",
                    headers={"Content-Disposition": 'attachment; filename="audit-log.jsonl"'})


LABEL_SCHEMA = pa.schema([("txn_id", pa.int64()), ("is_illicit", pa.bool_()), ("typology", pa.string()),
                          ("case_id", pa.int64()), ("alert_id", pa.int64())])


def labels_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=LABEL_SCHEMA)


@route(router, "GET", "/labels/export", SUPERVISE | AUDIT)
def labels_export(request: Request) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.read() as s:
        table = labels_table(labels_rows(s))
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return Response(buf.getvalue(), media_type="application/vnd.apache.parquet",
                    headers={"Content-Disposition": 'attachment; filename="labels.parquet"'})
