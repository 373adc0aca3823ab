"""Calibration against the shipped figures, and the CLI commands of the twin."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from counterflow.cli.main import app
from counterflow.scenario import load_scenario
from counterflow.twin import run_twin
from counterflow.twin.calibrate import CHECKS, compare, figures


def test_every_check_names_a_shipped_figure() -> None:
    ids = set(figures())
    assert all(c.id in ids for c in CHECKS)


def test_baseline_reproduces_the_figures_within_tolerance() -> None:
    sc, _ = load_scenario("baseline")
    rows = compare(run_twin(sc.trafficking, sc.end_date, 42))
    misses = [r for r in rows if not r["within"]]
    assert not misses, misses
    assert {"id", "target", "value", "tolerance", "within"} <= set(rows[0])


SHORT = """
name: short
start_date: 2021-01-01
days: 10
population: {persons: 100, businesses: 40}
trafficking:
  start_date: 2020-01-01
  levers:
    - {kind: mail_inspection, start: 2020-03-01, multiplier: 2}
"""


def test_calibrate_command_writes_table_and_plot_and_json(tmp_path: Path) -> None:
    f = tmp_path / "short.yaml"
    f.write_text(SHORT, encoding="utf-8")
    res = CliRunner().invoke(app, ["calibrate", "--scenario", str(f), "--seed", "1", "--json",
                                   "--out", str(tmp_path / "cal")])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert all(set(r) >= {"id", "target", "value", "tolerance", "within"} for r in rows)
    assert (tmp_path / "cal" / "calibration.csv").is_file()
    assert (tmp_path / "cal" / "calibration.png").stat().st_size > 1000
    # The table and plot of the first run are there: replacing them takes --overwrite.
    human = CliRunner().invoke(app, ["calibrate", "--scenario", str(f), "--out", str(tmp_path / "cal"),
                                     "--overwrite"])
    assert human.exit_code == 0 and "Calibration of short" in human.output


def test_twin_compare_reports_the_same_measures_as_json(tmp_path: Path) -> None:
    f = tmp_path / "short.yaml"
    f.write_text(SHORT, encoding="utf-8")
    g = tmp_path / "short2.yaml"
    g.write_text(SHORT.replace("multiplier: 2", "multiplier: 5"), encoding="utf-8")
    res = CliRunner().invoke(app, ["twin", "compare", str(f), str(g), "--json", "--seed", "2"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["since"] == dt.date(2020, 3, 1).isoformat()
    assert any(m["measure"] == "parcel share via Canada" for m in doc["measures"])
