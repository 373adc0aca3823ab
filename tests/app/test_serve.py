"""Starting the app: alerts from detect's output, or from a run of detect when none are given."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from counterflow.app.alerts_load import resolve_alerts
from counterflow.cli.main import app as cli
from counterflow.errors import InputError


def test_without_alerts_detect_runs_once(tiny_path, tmp_path):
    url = f"sqlite:///{tmp_path / 'cases.sqlite'}"
    first = resolve_alerts(tiny_path, None, url)
    assert first == tmp_path / "cases.alerts.parquet" and first.is_file()
    assert (tmp_path / "cases.alerts.evidence.parquet").is_file()
    stamp = first.stat().st_mtime_ns
    assert resolve_alerts(tiny_path, None, url).stat().st_mtime_ns == stamp  # kept, not run again


def test_database_url_needs_alerts(tiny_path):
    with pytest.raises(InputError, match="--alerts"):
        resolve_alerts(tiny_path, None, "postgresql+psycopg://db.example/cases")


def test_serve_refuses_a_missing_dataset(tmp_path):
    r = CliRunner().invoke(cli, ["serve", str(tmp_path / "nope")])
    assert r.exit_code != 0 and "no such dataset directory" in str(r.exception)


def test_migrations_match_the_models(tmp_path):
    """The Alembic migrations create exactly the tables and columns the models declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from counterflow.app.db import Database
    from counterflow.app.models import Base

    db = Database(f"sqlite:///{tmp_path / 'm.sqlite'}")
    db.migrate()
    db.migrate()  # a second start changes nothing
    with db.engine.connect() as con:
        assert compare_metadata(MigrationContext.configure(con), Base.metadata) == []
        assert con.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0001"
