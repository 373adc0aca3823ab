"""Alembic environment: runs on the connection :meth:`counterflow.app.db.Database.migrate` passes."""

from __future__ import annotations

from alembic import context

from counterflow.app.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the app runs migrations
    raise RuntimeError("run migrations through counterflow.app.db.Database.migrate")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
