from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from counterflow.cli.main import app
from counterflow.dataset.amlworld import HEADER
from counterflow.dataset.reader import open_dataset

runner = CliRunner()


def test_export_then_import_amlworld_json(tiny_path: Path, tmp_path: Path) -> None:
    csv_path = tmp_path / "t.csv"
    res = runner.invoke(app, ["export", "amlworld", str(tiny_path), "--out", str(csv_path), "--json"])
    assert res.exit_code == 0, res.output
    exp = json.loads(res.stdout)
    assert exp["rows"] > 10_000 and exp["file"] == str(csv_path) and exp["seconds"] >= 0
    assert csv_path.read_text().splitlines()[0] == ",".join(HEADER)

    out = tmp_path / "ds"
    res = runner.invoke(app, ["import", "amlworld", str(csv_path), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    imp = json.loads(res.stdout)
    assert imp["transactions"] == exp["rows"] and imp["labels"] is True
    with open_dataset(tiny_path) as ds:  # the laundering twin's illicit rows survive the round trip
        illicit = ds.fetchone("SELECT count(*) FILTER (WHERE is_illicit) FROM transaction_labels")[0]
    assert imp["laundering"] == illicit and imp["dataset"] == str(out)
    res = runner.invoke(app, ["inspect", str(out), "--deep", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["valid"]

    # Human summary; an existing output needs --overwrite.
    res = runner.invoke(app, ["import", "amlworld", str(csv_path), "--out", str(out), "-q"])
    assert res.exit_code != 0
    res = runner.invoke(app, ["import", "amlworld", str(csv_path), "--out", str(out), "-q",
                              "--overwrite"])
    assert res.exit_code == 0 and "imported" in res.stdout and f"{exp['rows']:,}" in res.stdout


def test_export_ftm_options(tiny_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "e.jsonl"
    res = runner.invoke(app, ["export", "ftm", str(tiny_path), "--out", str(out), "--no-payments",
                              "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert "Payment" not in doc["entities"] and doc["entities"]["Person"] > 0
    assert doc["total"] == sum(1 for _ in out.open())
    res = runner.invoke(app, ["export", "ftm", str(tiny_path), "--out", str(out), "--overwrite",
                              "--limit-payments", "5", "-q"])
    assert res.exit_code == 0 and "Payment 5" in res.stdout


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "counterflow.cli.main", *args],
                          capture_output=True, text=True)


def test_malformed_import_exits_2_with_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(",".join(HEADER) + "\n"
                   "2022/09/01 00:20,10,8000EBD30,10,8000EBD30,1.5,US Dollar,1.5,Dollar,ACH,0\n")
    proc = _cli("import", "amlworld", str(bad), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {bad}, row 2, field 'Payment Currency': 'Dollar'")
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_export_over_existing_file_exits_2(tiny_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    out.write_text("mine")
    proc = _cli("export", "amlworld", str(tiny_path), "--out", str(out))
    assert proc.returncode == 2 and "--overwrite" in proc.stderr
    assert out.read_text() == "mine"
