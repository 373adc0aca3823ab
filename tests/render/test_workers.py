"""``simulate --workers N``: the day loop in N processes writes the same bytes as one."""

from __future__ import annotations

import hashlib
from pathlib import Path

from typer.testing import CliRunner

from counterflow.cli.main import app
from counterflow.render.pipeline import simulate
from counterflow.scenario import parse_scenario

# Short and small: enough days that two workers interleave, with the laundering twin on.
SCENARIO = """
name: workers
start_date: 2024-01-01
days: 9
population: {persons: 300, businesses: 40}
output: {chunk_rows: 1000, rows_per_file: 1000}
"""


def _digest(path: Path) -> tuple[str, list[str]]:
    h = hashlib.sha256()
    names = []
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        names.append(f.relative_to(path).as_posix())
        h.update(names[-1].encode())
        h.update(f.read_bytes())
    return h.hexdigest(), names


def test_workers_write_byte_identical_datasets(tmp_path: Path) -> None:
    sc = parse_scenario(SCENARIO)
    one = simulate(sc, 3, tmp_path / "one", workers=1)
    two = simulate(sc, 3, tmp_path / "two", workers=2)
    assert one.transactions == two.transactions > 2500  # several flushes and part files
    d1, files = _digest(one.path)
    assert (d1, files) == _digest(two.path)
    assert sum(f.startswith("transactions/") for f in files) >= 2
    # The day workers' CPU time is counted (children), not only the writer's.
    assert two.transactions_cpu_s > 0


def test_cli_workers_option(tmp_path: Path) -> None:
    scenario = tmp_path / "workers.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    # Seed 3 as above: the physical twin's run is memoised in the process.
    res = CliRunner().invoke(app, ["simulate", "--scenario", str(scenario), "--seed", "3", "--out", str(tmp_path / "a"),
                                   "--workers", "0", "--json"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["simulate", "--scenario", str(scenario), "--out", str(tmp_path / "b"),
                                   "--workers", "-1"])
    assert res.exit_code != 0 and not (tmp_path / "b").exists()
