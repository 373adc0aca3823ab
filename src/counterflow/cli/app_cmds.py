"""``serve``, ``users add`` and ``audit verify|export``: the analyst web app and its case database."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.markup import escape

from counterflow.cli.output import console, emit_json
from counterflow.errors import CounterflowError, InputError

_DB_HELP = "Case database: a SQLite file (default cases.sqlite) or a SQLAlchemy URL (postgresql+psycopg://...)."


def _need_app() -> None:
    try:
        import alembic  # noqa: F401
        import argon2  # noqa: F401
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        raise CounterflowError(f"the web app needs the app extra: pip install 'counterflow[app]' ({exc.name} "
                               "is missing)") from None


def _database(db: str | None):  # type: ignore[no-untyped-def]
    from counterflow.app.config import db_url
    from counterflow.app.db import Database

    database = Database(db_url(db))
    database.migrate()
    return database


def register(app: typer.Typer) -> None:
    app.command()(serve)
    users = typer.Typer(help="Accounts of the web app.", no_args_is_help=True)
    users.command("add")(users_add)
    app.add_typer(users, name="users")
    audit = typer.Typer(help="The web app's hash-chained audit log.", no_args_is_help=True)
    audit.command("verify")(audit_verify)
    audit.command("export")(audit_export)
    app.add_typer(audit, name="audit")


def serve(
    data: Path = typer.Argument(..., help="Dataset directory."),
    alerts: Path | None = typer.Option(
        None, "--alerts", help="Alerts from counterflow detect (default: run detect with the built-in model once and "
                               "keep them beside the SQLite database)."),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    sla_hours: int = typer.Option(72, "--sla-hours", min=1, help="Time from alert to disposition."),
    secure_cookies: bool = typer.Option(False, "--secure-cookies", help="Mark cookies Secure (behind HTTPS)."),
) -> None:
    """Open the analyst web app: alert queue, cases, investigation, four-eyes decisions, audit, reports."""
    _need_app()
    import uvicorn

    from counterflow.app.config import AppConfig, db_url
    from counterflow.app.server import create_app

    if not data.is_dir():
        raise InputError("no such dataset directory", file=str(data))
    cfg = AppConfig(data=data, alerts=alerts, db_url=db_url(db), sla_hours=sla_hours, secure_cookies=secure_cookies)
    with console.status("opening the dataset, loading alerts (the first run without --alerts runs detect)"):
        web = create_app(cfg)
    ctx = web.state.ctx
    with ctx.db.read() as s:
        from sqlalchemy import func, select

        from counterflow.app.models import Alert, User

        n_alerts = s.scalar(select(func.count()).select_from(Alert).where(Alert.source_id == ctx.source_id))
        n_users = s.scalar(select(func.count()).select_from(User))
    console.print(f"{n_alerts:,} alerts, {n_users} users; open http://{host}:{port}/")
    if not n_users:
        console.print("no users yet: add one with [bold]counterflow users add NAME --role admin[/bold]")
    uvicorn.run(web, host=host, port=port, log_level="warning")


def users_add(
    name: str = typer.Argument(..., help="User name (letters, digits, . _ -)."),
    role: str = typer.Option(..., "--role", help="viewer, analyst, approver, admin or auditor."),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
) -> None:
    """Create an account (the password is asked for, or read from standard input)."""
    _need_app()
    from counterflow.app.security import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    database = _database(db)
    with database.write() as s:
        add_user(s, name, role, password)
    console.print(f"added {escape(name)} ({role})")


def audit_verify(
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print the verdict as JSON."),
) -> None:
    """Recompute the audit log's hash chain: exit 1 if any entry was edited or deleted."""
    _need_app()
    from counterflow.app.audit import verify

    with _database(db).read() as s:
        v = verify(s)
    if json_out:
        emit_json({"ok": v.ok, "entries": v.entries, "head_hash": v.head_hash, "problems": list(v.problems)})
    else:
        console.print(f"{v.entries:,} entries, chain {'intact' if v.ok else 'BROKEN'}, head {v.head_hash}")
        for p in v.problems:
            console.print(f"  {escape(p)}")
    if not v.ok:
        raise typer.Exit(1)


def audit_export(
    out: Path = typer.Option(..., "--out", "-o", help="File to write (JSON lines, one entry a line)."),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing export."),
) -> None:
    """Export the audit log for examiners, with each entry's hash (re-checkable without the app)."""
    _need_app()
    from counterflow.app.audit import export_rows
    from counterflow.cli.output import claim
    from counterflow.files import JSON_LINES, atomic_file

    n = 0
    # The CLI's output rule: never onto the case database itself, an existing export only with --overwrite.
    inputs = [db] if db and Path(db).exists() else []
    with claim(out, kind="file", overwrite=overwrite, inputs=inputs, replaceable=JSON_LINES, what="audit export"):
        with _database(db).read() as s, atomic_file(out) as tmp, open(tmp, "w", encoding="utf-8") as f:
            for row in export_rows(s):
                f.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
                n += 1
    console.print(f"wrote {n:,} entries to {escape(str(out))}")
