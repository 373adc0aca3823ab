"""The analyst web app (``counterflow serve``): alert queue, cases, investigation views, four-eyes
decisions, a hash-chained audit log and regulatory reports, in one process.

FastAPI serves server-rendered pages (Jinja2 with autoescape, htmx); the case database is SQLite
by default or PostgreSQL by URL, through SQLAlchemy with Alembic migrations run at start; the
dataset is read through DuckDB (:func:`counterflow.open_dataset`). Everything here needs the
``app`` extra and is imported lazily by the CLI.
"""
