"""The case database: engine, sessions and write transactions, and migrations at start.

SQLite (the embedded default) runs in WAL mode and every write transaction starts with
``BEGIN IMMEDIATE``, so two writers queue instead of failing on a lock upgrade; on PostgreSQL a
write transaction locks the audit chain's head row first. Either way writes are serialized, which
is what keeps the hash chain of :mod:`counterflow.app.audit` linear.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from counterflow.errors import InputError

MIGRATIONS = Path(__file__).parent / "migrations"


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        kw: dict = {}
        if self.sqlite:
            kw["connect_args"] = {"check_same_thread": False, "timeout": 30}
        try:
            self.engine: Engine = create_engine(url, **kw)
        except Exception as exc:  # a bad URL or a missing driver
            raise InputError(f"cannot open the case database: {exc}", field="--db") from exc
        if self.sqlite:
            @event.listens_for(self.engine, "connect")
            def _connect(dbapi_con, _record) -> None:  # type: ignore[no-untyped-def]
                dbapi_con.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
                cur = dbapi_con.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()

            @event.listens_for(self.engine, "begin")
            def _begin(con) -> None:  # type: ignore[no-untyped-def]
                con.exec_driver_sql("BEGIN IMMEDIATE" if con.info.get("cf_write") else "BEGIN")
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Bring the schema to the newest revision (Alembic), creating it on a new database."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.connect() as con:
            cfg.attributes["connection"] = con
            command.upgrade(cfg, "head")
            con.commit()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._sessions() as s:
            yield s

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back when it raises."""
        con = self.engine.connect()
        con.info["cf_write"] = True
        try:
            with Session(bind=con, expire_on_commit=False) as s:
                s.begin()
                if not self.sqlite:
                    s.execute(text("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE"))
                try:
                    yield s
                    s.commit()
                except BaseException:
                    s.rollback()
                    raise
        finally:
            con.info.pop("cf_write", None)
            con.close()
