"""Every shipped example scenario loads and runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.dataset.reader import open_dataset
from counterflow.dataset.validate import validate
from counterflow.render.pipeline import simulate
from counterflow.scenario import load_scenario

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_and_validates(path: Path, tmp_path: Path) -> None:
    sc, _ = load_scenario(str(path))
    res = simulate(sc, 1, tmp_path / "ds")
    ds = open_dataset(res.path)
    assert validate(ds, deep=True).ok
    assert res.transactions > 10_000
    assert ds.manifest["scenario"] == sc.name


def test_there_is_an_example() -> None:
    assert EXAMPLES


def test_default_builtin_runs_in_seconds_with_millions_of_rows(tmp_path: Path) -> None:
    sc, _ = load_scenario("default")
    res = simulate(sc, 42, tmp_path / "ds")
    assert 1_500_000 < res.transactions < 4_000_000
    assert validate(open_dataset(res.path), checksums=False).ok
