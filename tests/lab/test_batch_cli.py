"""Scenario batches (paired, parallel, deterministic), sensitivity on a small configuration, the
planner's static model, the report, and bad input."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from counterflow.cli.main import app
from counterflow.errors import InputError
from counterflow.lab import series as S
from counterflow.lab.batch import OUTCOMES, run_batch, save, summary
from counterflow.lab.plan import _with, build_static
from counterflow.lab.sensitivity import morris
from counterflow.scenario.trafficking import Trafficking

START, END = dt.date(2020, 1, 1), dt.date(2020, 12, 31)
BASE = Trafficking(start_date=START)
MORE = Trafficking.model_validate({"start_date": START, "levers": [
    {"kind": "land_port_nii", "start": dt.date(2020, 2, 1), "scan_share": 0.9}]})


@pytest.fixture(scope="module")
def batch():  # noqa: ANN201
    scen = [("base", BASE, END), ("same", BASE, END), ("scanners", MORE, END)]
    return run_batch(scen, [{}], 2, 7, (2020, 2020), workers=2)


def test_batch_is_paired_parallel_and_deterministic(batch) -> None:  # noqa: ANN001
    assert batch.values.shape == (3, 1, 2, len(OUTCOMES))
    doc = summary(batch)
    same = doc["differences"]["same"]
    assert all(same[k]["absolute"]["median"] == 0 for k in OUTCOMES if np.isfinite(same[k]["absolute"]["median"]))
    d = doc["differences"]["scanners"]["seized_border_kg"]["relative"]
    assert d["p05"] > 0  # scanners at every crossing seize more, in every pair
    one = run_batch([("base", BASE, END)], [{}], 2, 7, (2020, 2020), workers=1)
    assert np.array_equal(one.values[0], batch.values[0], equal_nan=True)


def test_batch_files_and_report_are_byte_reproducible(batch, tmp_path: Path) -> None:  # noqa: ANN001
    import pyarrow.parquet as pq

    save(batch, tmp_path / "run")
    t = pq.read_table(tmp_path / "run" / "batch.parquet")
    assert t.num_rows == 3 * 2 * len(OUTCOMES) and set(t.column_names) >= {"scenario", "draw", "seed", "outcome"}
    r = CliRunner()
    a = r.invoke(app, ["lab", "report", str(tmp_path / "run"), "--out", str(tmp_path / "a.html")])
    b = r.invoke(app, ["lab", "report", str(tmp_path / "run"), "--out", str(tmp_path / "b.html")])
    assert a.exit_code == 0 and b.exit_code == 0, a.output
    html = (tmp_path / "a.html").read_bytes()
    assert html == (tmp_path / "b.html").read_bytes()
    assert b"<svg" in html and b"<script" not in html and b"src=\"http" not in html
    # The CLI's output rule: an existing report is kept unless --overwrite, and only a page is replaced.
    again = r.invoke(app, ["lab", "report", str(tmp_path / "run"), "--out", str(tmp_path / "a.html")])
    assert again.exit_code != 0 and "--overwrite" in str(again.exception)
    ok = r.invoke(app, ["lab", "report", str(tmp_path / "run"), "--out", str(tmp_path / "a.html"), "--overwrite"])
    assert ok.exit_code == 0 and (tmp_path / "a.html").read_bytes() == html
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    mine = r.invoke(app, ["lab", "report", str(tmp_path / "run"), "--out", str(tmp_path / "notes.txt"), "--overwrite"])
    assert mine.exit_code != 0 and (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_a_lab_result_is_kept_unless_overwrite_and_sections_add(tmp_path: Path) -> None:
    from counterflow.cli.lab_cmds import _claim, _sections
    from counterflow.lab.store import write_json

    path = tmp_path / "run" / "sensitivity.json"
    with _claim(path, False):
        write_json(path, {"morris": {}})
    with pytest.raises(InputError, match="--overwrite"):
        with _claim(path, False):
            pass
    assert _sections(path) == {"morris"}
    with _claim(path, True):  # what sensitivity passes when its method's section is new
        write_json(path, {"morris": {}, "sobol": {}})
    assert _sections(path) == {"morris", "sobol"}


def test_morris_finds_what_moves_deaths_and_what_cannot() -> None:
    res = morris(BASE, END, (2020, 2020), trajectories=2, params=("lethal_hazard", "demand_peak_kg", "scan_detect"),
                 outcomes=("deaths", "supply_sold_kg"), seed=3)
    assert res["runs"] == 8
    sold, deaths = res["indices"]["supply_sold_kg"], res["indices"]["deaths"]
    assert sold["lethal_hazard"]["mu_star"] == 0  # lethality does not move supply
    assert deaths["lethal_hazard"]["mu_star"] > 0 and sold["demand_peak_kg"]["mu_star"] > 0


def test_static_network_carries_us_supply_and_every_candidate_is_a_valid_lever() -> None:
    m = build_static(BASE, dt.date(2020, 7, 1), END, 1)
    assert m.network.max_flow() == pytest.approx(m.us_supply_kg, rel=1e-6)
    cands = {c.key: c for c in m.candidates}
    for k in cands:
        _with(BASE, cands, [k])  # validates as a scenario section
    assert next(a for a in m.network.actions if a.key == "cut_off_banks").arcs == ()


def test_series_file_errors_name_the_file_row_and_field(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("series,year,value,unit,status,source\nus_deaths_synthetic_t404,2019,lots,deaths,final,x\n")
    with pytest.raises(InputError, match=r"s\.csv, row 2, field 'value'"):
        S.load(f)
    f.write_text("series,year,value\n")
    with pytest.raises(InputError, match="missing column"):
        S.load(f)
    assert S.values(S.load(), S.DEATHS, 2021, 2023) == {2021: 70601.0, 2022: 73838.0, 2023: 72776.0}


@pytest.mark.parametrize("args", [
    ["lab", "calibrate", "--fit-until", "2024", "--last-year", "2024"],
    ["lab", "run", "no-such-scenario.yaml"],
    ["lab", "run", "baseline", "--years", "2023-2021"],
    ["lab", "plan", "--budget", "0"],
    ["lab", "sensitivity", "--method", "fast"],
])
def test_bad_input_is_an_input_error_before_any_work(args: list[str], tmp_path: Path) -> None:
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "o")])
    assert isinstance(res.exception, InputError), res.output
    assert "\n" not in str(res.exception)
    assert not (tmp_path / "o").exists()


def test_report_of_an_empty_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "counterflow.cli.main", "lab", "report", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "no lab results" in proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1
