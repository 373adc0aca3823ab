"""The audit log: one entry per change in the same transaction, a hash chain that verify checks,
the database refusing edits, and the CLI."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from counterflow.app import audit
from counterflow.app.errors import Conflict
from counterflow.app.models import AuditEntry
from counterflow.app.queue import claim
from counterflow.cli.main import app as cli


def _db_file(app) -> str:
    return app.state.ctx.db.url.removeprefix("sqlite:///")


def test_chain_verifies_and_links(app):
    db = app.state.ctx.db
    with db.write() as s:
        claim(s, 1, "analyst")
    with db.read() as s:
        v = audit.verify(s)
        rows = list(audit.export_rows(s))
    assert v.ok and v.entries == len(rows) >= 8  # user adds, the alerts load, the claim
    assert rows[0]["prev_hash"] == audit.GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(rows, rows[1:]))
    last = rows[-1]
    assert last["action"] == "alert.claim" and last["actor"] == "analyst"
    assert last["after"]["assignee"] == "analyst" and last["before"]["assignee"] is None


def test_a_failed_change_leaves_no_entry(app):
    db = app.state.ctx.db
    with db.write() as s:
        claim(s, 1, "analyst")
    with db.read() as s:
        n = s.query(AuditEntry).count()
    with pytest.raises(Conflict), db.write() as s:
        claim(s, 1, "analyst2")
    with db.read() as s:
        assert s.query(AuditEntry).count() == n


def test_database_refuses_edits_and_deletes(app):
    con = sqlite3.connect(_db_file(app))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM audit_log WHERE seq = 1")
    con.close()


def _tamper(app, sql: str) -> None:
    app.state.ctx.db.engine.dispose()
    con = sqlite3.connect(_db_file(app))
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("DROP TRIGGER audit_log_no_delete")
    con.execute(sql)
    con.commit()
    con.close()


@pytest.mark.parametrize("sql, problem", [
    ("UPDATE audit_log SET after = '{\"role\":\"admin\"}' WHERE seq = 2", "entry 2 was edited"),
    ("DELETE FROM audit_log WHERE seq = 3", "entries 3..3 are missing"),
    ("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)", "entries at the end were deleted"),
])
def test_verify_finds_edits_and_deletions(app, sql, problem):
    _tamper(app, sql)
    with app.state.ctx.db.read() as s:
        v = audit.verify(s)
    assert not v.ok and any(problem in p for p in v.problems), v.problems


def test_cli_verify_and_export(app, tmp_path):
    url = app.state.ctx.db.url
    runner = CliRunner()
    r = runner.invoke(cli, ["audit", "verify", "--db", url, "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["ok"] is True
    out = tmp_path / "audit.jsonl"
    r = runner.invoke(cli, ["audit", "export", "--db", url, "--out", str(out)])
    assert r.exit_code == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    # Re-checkable without the app: each hash from the previous and the entry's fields.
    prev = audit.GENESIS
    for e in lines:
        fields = {**e, "before": audit.canonical(e["before"]), "after": audit.canonical(e["after"])}
        assert audit.entry_hash(prev, fields) == e["hash"]
        prev = e["hash"]
    # The CLI's output rule: an existing export is kept unless --overwrite; a user's other file never replaced.
    again = runner.invoke(cli, ["audit", "export", "--db", url, "--out", str(out)])
    assert again.exit_code != 0 and "--overwrite" in str(again.exception)
    assert runner.invoke(cli, ["audit", "export", "--db", url, "--out", str(out), "--overwrite"]).exit_code == 0
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n")
    mine = runner.invoke(cli, ["audit", "export", "--db", url, "--out", str(notes), "--overwrite"])
    assert mine.exit_code != 0 and notes.read_text() == "mine\n"
    _tamper(app, "UPDATE audit_log SET reason = 'x' WHERE seq = 1")
    r = runner.invoke(cli, ["audit", "verify", "--db", url])
    assert r.exit_code == 1 and "BROKEN" in r.stdout


def test_cli_users_add(tmp_path):
    db = str(tmp_path / "c.sqlite")
    runner = CliRunner()
    r = runner.invoke(cli, ["users", "add", "carol", "--role", "approver", "--db", db, "--password-stdin"],
                      input="a long enough password\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["users", "add", "carol", "--role", "approver", "--db", db, "--password-stdin"],
                      input="a long enough password\n")
    assert r.exit_code != 0 and "exists" in str(r.exception or r.output)
    r = runner.invoke(cli, ["users", "add", "dave", "--role", "boss", "--db", db, "--password-stdin"], input="x" * 12)
    assert r.exit_code != 0 and "unknown role" in str(r.exception or r.output)
    r = runner.invoke(cli, ["users", "add", "erin", "--role", "viewer", "--db", db, "--password-stdin"],
                      input="short\n")
    assert r.exit_code != 0 and "at least 10" in str(r.exception or r.output)
