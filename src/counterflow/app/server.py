"""The FastAPI application: what it holds (database, dataset store, templates) and how it answers.

:func:`create_app` migrates the case database, opens the dataset, loads the alerts and mounts the
routes of :mod:`counterflow.app.web`. Pages are Jinja2 templates with autoescape on, so every value
from the data (party names are hostile input) is escaped; the Content-Security-Policy allows
scripts from the app's own origin only, and nothing in a page loads from anywhere else.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from counterflow.app.config import AppConfig
from counterflow.app.db import Database
from counterflow.app.errors import AppError
from counterflow.app.store import Store
from counterflow.app.web.access import NeedLogin

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


@dataclass
class Ctx:
    config: AppConfig
    db: Database
    store: Store
    source_id: int | None
    env: Environment
    extra: dict[str, Any] = field(default_factory=dict)

    def page(self, request: Request, name: str, http_status: int = 200, **values: Any) -> HTMLResponse:
        me = getattr(request.state, "me", None)
        html = self.env.get_template(name).render(request=request, me=me, csrf=me.csrf if me else "", **values)
        return HTMLResponse(html, status_code=http_status)


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters["usd"] = lambda v: "" if v is None else f"{v:,.0f}"
    env.filters["when"] = lambda v: "" if v is None else (v.strftime("%Y-%m-%d %H:%M") if isinstance(v, dt.datetime)
                                                        else str(v))
    env.filters["hours"] = lambda h: "" if h is None else (f"{h:,.0f} h left" if h >= 0 else f"{-h:,.0f} h overdue")
    return env


def create_app(config: AppConfig, *, store: Store | None = None) -> FastAPI:
    """The app over ``config``; ``store`` reuses an open dataset store (tests share one)."""
    import counterflow
    from counterflow.app.alerts_load import load_alerts, resolve_alerts
    from counterflow.app.web import admin, investigate, reports, work

    db = Database(config.db_url)
    db.migrate()
    if store is None:
        store = Store(counterflow.open_dataset(config.data))
    alerts = resolve_alerts(config.data, config.alerts, config.db_url)
    source_id, added = load_alerts(db, store, alerts)
    log.info("alerts source %s: %d alerts added", source_id, added)
    ctx = Ctx(config, db, store, source_id, _env())

    app = FastAPI(title="Counterflow", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (admin, work, investigate, reports):
        app.include_router(module.router)

    app.add_middleware(_Headers)

    @app.exception_handler(NeedLogin)
    async def need_login(request: Request, _exc: NeedLogin) -> Response:
        if request.method == "GET" and "application/json" not in request.headers.get("accept", ""):
            return RedirectResponse("/login", status_code=303)
        return JSONResponse({"error": "sign in first"}, status_code=401)

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        return _error(ctx, request, exc.status, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(ctx, request, exc.status_code, str(exc.detail))

    return app


class _Headers:
    """Security headers on every response (a plain ASGI middleware: cheaper than Starlette's base class)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static")

        async def add(message: Any) -> None:
            if message["type"] == "http.response.start":
                h = list(message.get("headers", []))
                h += [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                      (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin")]
                if not static:
                    h.append((b"cache-control", b"no-store"))
                message["headers"] = h
            await send(message)
        await self.app(scope, receive, add)


def _error(ctx: Ctx, request: Request, status: int, message: str) -> Response:
    if "application/json" in request.headers.get("accept", "") or request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    if request.headers.get("hx-request"):
        return HTMLResponse(f'<div class="error" role="alert">{_esc(message)}</div>', status_code=status,
                            headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
    return ctx.page(request, "error.html", http_status=status, status_code=status, message=message)


def _esc(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
