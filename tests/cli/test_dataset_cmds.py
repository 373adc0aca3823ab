from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from counterflow.cli.main import app
from counterflow.dataset import schema as sch

runner = CliRunner()


def test_simulate_then_inspect_json_and_human_views_agree(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    res = runner.invoke(app, ["simulate", "--scenario", "tiny", "--seed", "3", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    sim = json.loads(res.stdout)
    assert sim["scenario"] == "tiny" and sim["seed"] == 3 and sim["valid"]
    res = runner.invoke(app, ["inspect", str(out), "--json", "--deep"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["valid"] and doc["problems"] == []
    assert doc["tables"]["transactions"]["rows"] == sim["tables"]["transactions"]["rows"] > 10_000
    assert doc["date_range"]["first"].startswith("2024-01-01")
    assert doc["date_range"]["last"].startswith("2024-02-14")  # tiny: 45 days
    assert 0.0 <= doc["labels"]["transaction_labels"]["rate"] < 0.01  # the laundering twin: rare illicit rows
    assert doc["schema_version"] == sch.SCHEMA_VERSION == "1.2"
    human = runner.invoke(app, ["inspect", str(out)])
    assert human.exit_code == 0
    for key in ("tiny", "seed 3", f"schema {sch.SCHEMA_VERSION}", "transaction_labels", "card_purchase", "valid"):
        assert key in human.stdout
    assert f"{doc['tables']['transactions']['rows']:,}" in human.stdout


def test_inspect_reports_invalid_dataset_with_exit_1(tiny_path: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_path, copy)
    (copy / "banks.parquet").write_bytes(b"garbage")
    res = runner.invoke(app, ["inspect", str(copy), "--json"])
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert not doc["valid"] and any("banks.parquet" in p for p in doc["problems"])


def test_bad_scenario_exits_2_with_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\npopulation:\n  persns: 30\n")
    proc = subprocess.run([sys.executable, "-m", "counterflow.cli.main", "simulate", "--scenario", str(bad),
                           "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {bad}: invalid scenario: line 3, key 'population.persns'")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


def test_inspect_of_a_non_dataset_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "counterflow.cli.main", "inspect", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "no manifest.json" in proc.stderr


def test_schema_command_prints_every_table() -> None:
    res = runner.invoke(app, ["schema", "--json"])
    assert res.exit_code == 0
    names = [t["name"] for t in json.loads(res.stdout)["tables"]]
    assert names[:3] == ["places", "banks", "fx_rates"] and "transaction_labels" in names
