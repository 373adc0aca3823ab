"""Shipped lists, user files, fetching from a (local) address, and the CLI commands."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from counterflow.cli import screen_cmds
from counterflow.errors import InputError
from counterflow.screen.lists import FetchError, detect_format, fetch, load_list
from tests.screen.conftest import FIXTURES

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test root"""

    screen_cmds.register(app)
    return app


def test_detect_and_load_user_files(tmp_path):
    assert detect_format(FIXTURES / "ofac-2024" / "sdn.csv") == "ofac-csv"
    assert detect_format(FIXTURES / "un" / "UN_consolidated.xml") == "un-xml"
    assert len(load_list(FIXTURES / "ofac-2021")) == 37
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\n")
    with pytest.raises(InputError, match="not a recognised list file"):
        load_list(junk)
    with pytest.raises(InputError, match="no such list file or shipped list"):
        load_list(tmp_path / "missing.csv")


def test_fetch_from_local_address_and_failure(tmp_path):
    src = (FIXTURES / "un" / "UN_consolidated.xml").resolve()
    dest = fetch(src.as_uri(), tmp_path / "lists" / "un.xml")
    assert dest.read_bytes() == src.read_bytes()
    with pytest.raises(FetchError, match="cannot fetch"):
        fetch((tmp_path / "nope.csv").as_uri(), tmp_path / "x.csv")
    junk = tmp_path / "junk.html"
    junk.write_text("<html>maintenance</html>")
    with pytest.raises(InputError):
        fetch(junk.as_uri(), tmp_path / "bad.xml")
    assert not (tmp_path / "bad.xml").exists()


def test_cli_lists_json_and_table(app):
    res = runner.invoke(app, ["lists", "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["list_id"]: r for r in json.loads(res.output)["lists"]}
    assert rows["ofac-sdn-2024-05-03"]["entries"] == 14965 and rows["ofac-sdn-2024-05-03"][
        "default"]
    assert rows["un-2026-02"]["published"] == "2026-02-27"
    table = runner.invoke(app, ["lists"])
    assert "ofac-sdn-2021-07" in table.output and "14965" in table.output


def test_cli_screen_name_json(app):
    res = runner.invoke(app, ["screen-name", "Fujing Zheng", "--dob", "1983-06-11", "--json"])
    assert res.exit_code == 0, res.output
    hits = json.loads(res.output)["hits"]
    assert hits[0]["ent_num"] == 26236 and hits[0]["verdict"] == "match"
    assert hits[0]["matched_name"] == "ZHENG, Fujing" and hits[0]["score"] == 1.0
    res = runner.invoke(app, ["screen-name", "Zhang Fujing", "--json", "--list",
                              str(FIXTURES / "ofac-2024" / "sdn.csv")])
    assert all(h["verdict"] == "candidate" for h in json.loads(res.output)["hits"])
    bad = runner.invoke(app, ["screen-name", "x", "--dob", "11/06/1983"])
    assert isinstance(bad.exception, InputError)


def test_cli_screen_file_and_diff(app, tmp_path):
    parties = tmp_path / "parties.csv"
    parties.write_text("party_id,kind,name,birth_date,country,email\n"
                       "1,person,Cheng Fu-ching,1983-06-11,CN,\n"
                       "2,person,Jane Roe,,US,\n"
                       "3,business,Acme,,US,sales@globalrc.net\n")
    res = runner.invoke(app, ["screen", str(parties), "--list",
                              str(FIXTURES / "ofac-2024" / "sdn.csv"), "--json"])
    assert res.exit_code == 0, res.output
    hits = json.loads(res.output)["hits"]
    assert {(h["party_id"], h["ent_num"]) for h in hits if h["verdict"] == "match"} >= {
        ("1", 26236), ("3", 26324)}
    assert not [h for h in hits if h["party_id"] == "2"]
    res = runner.invoke(app, ["lists", "diff", str(FIXTURES / "ofac-2021"),
                              str(FIXTURES / "ofac-2024" / "sdn.csv"), "--json"])
    data = json.loads(res.output)
    assert data["counts"]["removed"] == 3 and "2677" in data["changed"]
    bad = tmp_path / "bad.csv"
    bad.write_text("who\nx\n")
    res = runner.invoke(app, ["screen", str(bad)])
    assert isinstance(res.exception, InputError) and res.exception.field == "name"
