"""Every command that writes, interrupted (SIGINT, as Ctrl-C sends, and SIGKILL) at several points:
the target is afterwards the old output, absent, or the whole new one, never a half; Ctrl-C exits 130;
and the next run into the same place works (no stale lock) and leaves no debris.

The points are found by watching the file system, not by the clock, so that they hold on a loaded
machine: just after the run took its lock (nothing written yet), while its temporary output grows,
and, for detect, while the alerts and evidence are staged as a pair.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from counterflow.cli.main import app
from counterflow.dataset.amlworld import import_amlworld
from counterflow.dataset.reader import open_dataset
from counterflow.dataset.validate import validate
from tests.reliability.inputs import aml_csv


def _cli(*args: object) -> list[str]:
    return [sys.executable, "-m", "counterflow.cli.main", *map(str, args)]


def interrupt(args: list[str], sig: int, when: Callable[[], bool], timeout: float = 120) -> tuple[int, str]:
    """Run ``args``; send ``sig`` as soon as ``when()`` holds. Returns (exit status, stderr)."""
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while p.poll() is None and time.monotonic() - t0 < timeout:
        if when():
            p.send_signal(sig)
            break
        time.sleep(0.005)
    _, err = p.communicate(timeout=timeout)
    return p.returncode, err


def hidden_beside(target: Path) -> list[Path]:
    return [p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.")]


def locked(target: Path) -> Callable[[], bool]:
    return lambda: (target.parent / f".{target.name}.lock").exists()


def writing(target: Path, pattern: str = "*.parquet") -> Callable[[], bool]:
    """True once the run's temporary output holds a file matching ``pattern``."""
    def check() -> bool:
        for p in hidden_beside(target):
            if ".tmp-" in p.name and (p.is_file() or any(p.rglob(pattern))):
                return True
        return False
    return check


def check_status(rc: int, err: str, sig: int, landed: bool = True) -> None:
    if landed:  # the point was reached while the run was alive: the signal hit it there
        assert rc != 0, "the run finished before the point was reached"
    if sig == signal.SIGINT:
        assert rc in (0, 130), (rc, err)  # 0: it had finished when the signal came
        assert "Traceback" not in err, err
    else:
        assert rc in (0, -signal.SIGKILL), (rc, err)


def assert_dataset_old_or_whole(target: Path, old_manifest: bytes | None) -> str:
    if not target.exists():
        return "absent"
    manifest = (target / "manifest.json").read_bytes()
    if old_manifest is not None and manifest == old_manifest:
        assert validate(open_dataset(target)).ok
        return "old"
    rep = validate(open_dataset(target))
    assert rep.ok, rep.problems
    return "new"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("inputs")
    big = aml_csv(d / "tx.csv", rows=40_000)
    (d / "map.yaml").write_text(
        "columns: {timestamp: Timestamp, src_account: acct_a, dst_account: acct_b, amount: Amount Paid}\n"
        "timestamp_format: '%Y/%m/%d %H:%M'\n")
    # import table needs distinct column names: the AMLworld header names both accounts "Account".
    lines = big.read_text().splitlines()
    lines[0] = lines[0].replace("Account,To Bank,Account", "acct_a,To Bank,acct_b")
    (d / "table.csv").write_text("\n".join(lines) + "\n")
    return {"csv": big, "table": d / "table.csv", "map": d / "map.yaml", "small": aml_csv(d / "small.csv")}


@pytest.mark.parametrize("sig, point", [(signal.SIGKILL, "writing"), (signal.SIGINT, "locked")])
def test_simulate_interrupted(tmp_path: Path, tiny_path: Path, inputs: dict[str, Path], sig: int,
                              point: str) -> None:
    target = tmp_path / "ds"
    shutil.copytree(tiny_path, target)
    old = (target / "manifest.json").read_bytes()
    when = writing(target) if point == "writing" else locked(target)
    rc, err = interrupt(_cli("simulate", "--scenario", "tiny", "--seed", "9", "--out", target, "--overwrite", "-q"),
                        sig, when)
    check_status(rc, err, sig)
    state = assert_dataset_old_or_whole(target, old)
    assert state == ("new" if rc == 0 else "old")  # killed before it published: the old dataset, whole
    # The next run into the same place: no stale lock, the debris goes.
    import_amlworld(inputs["small"], target, overwrite=True)  # in-process: the lock is the kernel's, all the same
    assert hidden_beside(target) == [] and open_dataset(target).rows("transactions") == 4


@pytest.mark.parametrize("cmd, sig", [("amlworld", signal.SIGKILL), ("table", signal.SIGINT)])
def test_import_interrupted(tmp_path: Path, inputs: dict[str, Path], cmd: str, sig: int) -> None:
    target = tmp_path / "ds"
    import_amlworld(inputs["small"], target)
    old = (target / "manifest.json").read_bytes()
    args = (["import", "amlworld", inputs["csv"]] if cmd == "amlworld"
            else ["import", "table", inputs["table"], "--map", inputs["map"]])
    rc, err = interrupt(_cli(*args, "--out", target, "--overwrite", "-q"), sig,
                        lambda: any(".stage-" in p.name for p in hidden_beside(target)))
    check_status(rc, err, sig)
    state = assert_dataset_old_or_whole(target, old)
    if state == "new":
        assert open_dataset(target).rows("transactions") == 40_000
    import_amlworld(inputs["small"], target, overwrite=True)
    assert hidden_beside(target) == []
    assert inputs["csv"].exists() and inputs["table"].exists()  # inputs are never touched


@pytest.mark.parametrize("fmt, sig", [("amlworld", signal.SIGINT), ("ftm", signal.SIGKILL)])
def test_export_interrupted(tmp_path: Path, tiny_path: Path, fmt: str, sig: int) -> None:
    target = tmp_path / ("t.csv" if fmt == "amlworld" else "t.jsonl")
    old = b"" if fmt == "ftm" else b"Timestamp,From Bank,Account\n"  # an earlier export of the same kind
    target.write_bytes(old)
    rc, err = interrupt(_cli("export", fmt, tiny_path, "--out", target, "--overwrite", "-q"), sig,
                        lambda: any(".tmp-" in p.name and p.stat().st_size > 0 for p in hidden_beside(target)))
    check_status(rc, err, sig)
    if sig == signal.SIGINT and rc == 130:
        assert err.strip().splitlines()[-1] == "interrupted"
    data = target.read_bytes()
    if data != old:  # the whole new export
        rows = open_dataset(tiny_path).rows("transactions")
        if fmt == "amlworld":
            assert data.count(b"\n") == rows + 1
        else:
            assert all(json.loads(line) for line in data.splitlines())
    rerun = subprocess.run(_cli("export", fmt, tiny_path, "--out", target, "--overwrite", "-q"), capture_output=True)
    assert rerun.returncode == 0 and hidden_beside(target) == []


@pytest.mark.parametrize("point", ["pair"])
def test_detect_interrupted_keeps_alerts_and_evidence_a_pair(tmp_path: Path, inputs: dict[str, Path],
                                                            point: str) -> None:
    ds = tmp_path / "ds"
    import_amlworld(inputs["small"], ds)
    out = tmp_path / "alerts.parquet"
    assert CliRunner().invoke(app, ["detect", str(ds), "--out", str(out), "--no-model"]).exit_code == 0
    old = (out.read_bytes(), (tmp_path / "alerts.evidence.parquet").read_bytes())
    when = (lambda: any(".pair-" in p.name for p in hidden_beside(out))) if point == "pair" else locked(out)
    rc, err = interrupt(_cli("detect", ds, "--out", out, "--no-model", "--overwrite", "--from", "2022-09-01"),
                        signal.SIGKILL, when)
    check_status(rc, err, signal.SIGKILL)
    # The next run into the same place completes or drops what the killed one left; then the pair is whole.
    rerun = subprocess.run(_cli("detect", ds, "--out", out, "--no-model", "--overwrite"), capture_output=True,
                           text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert hidden_beside(out) == []
    alerts, evidence = pq.read_table(out), pq.read_table(tmp_path / "alerts.evidence.parquet")
    assert (out.read_bytes(), (tmp_path / "alerts.evidence.parquet").read_bytes()) == old  # same input, same pair
    assert alerts.num_rows >= 0 and evidence.num_rows >= 0


def test_lists_export_interrupted(tmp_path: Path) -> None:
    target = tmp_path / "l.jsonl"
    rc, err = interrupt(_cli("lists", "export", "ofac-sdn-2021-07", "--out", target), signal.SIGKILL,
                        lambda: any(".tmp-" in p.name for p in hidden_beside(target)))
    check_status(rc, err, signal.SIGKILL)
    assert not target.exists() or all(json.loads(x) for x in target.read_bytes().splitlines())
    rerun = subprocess.run(_cli("lists", "export", "ofac-sdn-2021-07", "--out", target, "--overwrite"),
                           capture_output=True)
    assert rerun.returncode == 0 and hidden_beside(target) == []


def test_lists_fetch_interrupted_keeps_the_old_list(tmp_path: Path) -> None:
    from tests.screen.conftest import FIXTURES

    target = tmp_path / "sdn.csv"
    shutil.copy(FIXTURES / "ofac-2021" / "sdn.csv", target)
    old = target.read_bytes()
    src = (FIXTURES / "ofac-2024" / "sdn.csv").resolve().as_uri()
    rc, err = interrupt(_cli("lists", "fetch", src, "--out", target, "--overwrite"), signal.SIGKILL, locked(target))
    check_status(rc, err, signal.SIGKILL)
    new = (FIXTURES / "ofac-2024" / "sdn.csv").read_bytes()
    assert target.read_bytes() in (old, new)  # the old list or the whole new one, never a part
    rerun = subprocess.run(_cli("lists", "fetch", src, "--out", target, "--overwrite", "--json"), capture_output=True)
    assert rerun.returncode == 0 and hidden_beside(target) == []
    assert target.read_bytes() == new


def _no_debris(folder: Path) -> list[str]:
    """Hidden names a writer leaves in ``folder`` (locks included: a finished run removes its own)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_train_interrupted_keeps_the_old_model(tmp_path: Path, inputs: dict[str, Path]) -> None:
    target = tmp_path / "m.json"
    old = b'{"format": "counterflow-model", "format_version": 1}\n'  # an earlier model file
    target.write_bytes(old)
    args = _cli("train", inputs["small"], "--until", "2022-09-01T00:10", "--model", target, "--overwrite", "--json")
    for sig in (signal.SIGINT, signal.SIGKILL):  # once it holds the lock, before the model exists
        rc, err = interrupt(args, sig, locked(target))
        check_status(rc, err, sig)
        assert target.read_bytes() == old  # killed before it could have finished: the old model, untouched
        if sig == signal.SIGINT:  # Ctrl-C outside a DuckDB query (Typer's silent exit 130) says so too
            assert rc == 130 and err.strip().splitlines()[-1] == "interrupted", err
    # The next run into the same place works (no stale lock) and leaves nothing hidden.
    rerun = subprocess.run(args, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert _no_debris(tmp_path) == []
    assert json.loads(target.read_text())["format"] == "counterflow-model"


def test_inspect_plot_killed_while_writing_keeps_the_old_plot(tmp_path: Path, tiny_path: Path) -> None:
    target = tmp_path / "p.png"
    old = b"\x89PNG\r\n\x1a\n an earlier plot"
    target.write_bytes(old)
    args = _cli("inspect", tiny_path, "--quick", "--laundering", "--plot", target, "--overwrite", "--json")
    rc, err = interrupt(args, signal.SIGKILL, lambda: any(".tmp-" in p.name for p in hidden_beside(target)))
    check_status(rc, err, signal.SIGKILL, landed=False)  # the PNG takes milliseconds: the run may have finished
    data = target.read_bytes()
    assert data == old or (data.startswith(b"\x89PNG") and data.endswith(b"IEND\xaeB`\x82")), data[-16:]
    rerun = subprocess.run(args, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert _no_debris(tmp_path) == [] and target.read_bytes().endswith(b"IEND\xaeB`\x82")


CALIBRATE = """
name: short
start_date: 2021-01-01
days: 10
population: {persons: 100, businesses: 40}
trafficking: {start_date: 2020-01-01}
"""


def test_calibrate_interrupted_keeps_table_and_plot_a_pair(tmp_path: Path) -> None:
    """calibrate writes two files; killed between them, the folder must not hold a new table beside the
    old plot. The point: the first hidden file of the run in the folder (the lock aside)."""
    sc = tmp_path / "short.yaml"
    sc.write_text(CALIBRATE, encoding="utf-8")
    out = tmp_path / "cal"
    first = subprocess.run(_cli("calibrate", "--scenario", sc, "--seed", "1", "--out", out, "--json"),
                           capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    old = ((out / "calibration.csv").read_bytes(), (out / "calibration.png").read_bytes())
    args = _cli("calibrate", "--scenario", sc, "--seed", "2", "--out", out, "--overwrite", "--json")
    rc, err = interrupt(args, signal.SIGKILL,
                        lambda: any(p.name.startswith(".calibration.") and not p.name.endswith(".lock")
                                    for p in out.iterdir()))
    check_status(rc, err, signal.SIGKILL)
    now = ((out / "calibration.csv").read_bytes(), (out / "calibration.png").read_bytes())
    rerun = subprocess.run(args, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    new = ((out / "calibration.csv").read_bytes(), (out / "calibration.png").read_bytes())
    assert new != old  # seed 2 gives another table: the test can tell old from new
    if now[0] == old[0]:
        assert now[1] == old[1], "the old table beside a new plot"
    else:
        assert now == new, "a new table beside the old plot"
    assert _no_debris(out) == []
