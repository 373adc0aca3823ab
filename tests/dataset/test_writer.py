from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from counterflow.dataset.reader import open_dataset
from counterflow.dataset.validate import validate
from counterflow.dataset.writer import DatasetWriter
from counterflow.errors import DatasetError, InputError
from counterflow.render.pipeline import simulate
from counterflow.scenario import load_scenario


def test_interrupted_run_leaves_nothing_inspect_accepts(tmp_path: Path, monkeypatch) -> None:
    sc, _ = load_scenario("tiny")

    def boom(stage: str, done: int, total: int) -> None:
        if stage == "transactions" and done == 10:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-run

    with pytest.raises(KeyboardInterrupt):
        simulate(sc, 1, tmp_path / "ds", progress=boom)
    assert not (tmp_path / "ds").exists()
    assert list(tmp_path.iterdir()) == []  # the temporary folder is gone too


def test_crash_without_cleanup_leaves_a_folder_without_manifest(tmp_path: Path) -> None:
    w = DatasetWriter(tmp_path / "ds")
    w.write_table(
        "goods",
        pa.table(
            {"hs_code": ["1"], "description": ["x"], "unit": ["kg"], "typical_unit_price_usd": [1.0], "sector": ["s"]}
        ),
    )
    # A killed process never reaches commit(): the half-written folder has no manifest.
    assert not (tmp_path / "ds").exists()
    with pytest.raises(DatasetError, match="no manifest.json"):
        open_dataset(w.tmp)


def test_existing_output_needs_overwrite_and_foreign_folders_are_kept(tmp_path: Path) -> None:
    sc, _ = load_scenario("tiny")
    out = tmp_path / "ds"
    simulate(sc, 1, out)
    with pytest.raises(InputError, match="pass --overwrite"):
        simulate(sc, 1, out)
    first = json.loads((out / "manifest.json").read_text())
    simulate(sc, 2, out, overwrite=True)
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2 != first["seed"]
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("precious")
    with pytest.raises(InputError, match="not a Counterflow dataset"):
        simulate(sc, 1, user, overwrite=True)
    assert (user / "notes.txt").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds", "mine"]


def test_tampering_is_detected(tiny_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny_path, copy)
    ds = open_dataset(copy)
    assert validate(ds).ok
    part = copy / ds.manifest["tables"]["transactions"]["files"][0]["path"]
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0xFF
    part.write_bytes(bytes(data))
    rep = validate(open_dataset(copy))
    assert not rep.ok
    assert any("checksum" in p or "unreadable" in p for p in rep.problems)
    (copy / "goods.parquet").unlink()
    assert any("goods.parquet: file missing" in p for p in validate(open_dataset(copy, check=False)).problems)
    # Opened for use (not for inspection), a missing part file is one clear error up front.
    with pytest.raises(DatasetError, match="goods.parquet: file missing"):
        open_dataset(copy)


def test_manifest_problems_are_reported(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "manifest.json").write_text("{not json")
    with pytest.raises(DatasetError, match="unreadable manifest"):
        open_dataset(tmp_path / "m")
    (tmp_path / "m" / "manifest.json").write_text(
        json.dumps({"format": "counterflow-dataset", "schema_version": "9.0", "tables": {}})
    )
    with pytest.raises(DatasetError, match="schema version '9.0' is not supported"):
        open_dataset(tmp_path / "m")
    with pytest.raises(DatasetError, match="not a directory"):
        open_dataset(tmp_path / "nothing")


def test_part_files_roll_over_at_rows_per_file(tiny_path: Path) -> None:
    ds = open_dataset(tiny_path)
    files = ds.manifest["tables"]["transactions"]["files"]
    limit = 20_000  # tiny.yaml output.rows_per_file
    assert len(files) >= 2
    assert all(f["rows"] == limit for f in files[:-1]) and files[-1]["rows"] <= limit
    assert sum(f["rows"] for f in files) == ds.rows("transactions")
