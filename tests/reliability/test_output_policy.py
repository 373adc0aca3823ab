"""One output policy for every command that writes (counterflow.files.claim_output): nothing of a
user's is ever deleted or written over by mistake, and a second run into the same place is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from counterflow.cli.main import app
from counterflow.dataset.reader import open_dataset
from counterflow.errors import CounterflowError, InputError
from counterflow.files import commit_files, hidden, publish_dir, recover
from tests.reliability.inputs import aml_csv

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def one_line_error(res, *needles: str) -> str:
    """The command stopped on a CounterflowError (the entry point prints it as one line, exit 2)."""
    assert isinstance(res.exception, CounterflowError), (res.output, res.exception)
    err = str(res.exception)
    assert "\n" not in err
    for n in needles:
        assert n in err, err
    return err


def test_overwrite_never_deletes_a_folder_that_merely_holds_a_manifest(tmp_path: Path) -> None:
    src = aml_csv(tmp_path / "tx.csv")
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    (out / "notes.txt").write_text("mine")
    res = cli("import", "amlworld", src, "--out", out, "--overwrite", "-q")
    one_line_error(res, "not a Counterflow dataset")
    assert (out / "notes.txt").read_text() == "mine"


def test_overwrite_never_deletes_a_dataset_holding_a_users_file(tmp_path: Path) -> None:
    src = aml_csv(tmp_path / "tx.csv")
    out = tmp_path / "ds"
    assert cli("import", "amlworld", src, "--out", out, "-q").exit_code == 0
    (out / "transactions" / "my-notes.txt").write_text("mine")
    one_line_error(cli("import", "amlworld", src, "--out", out, "--overwrite", "-q"),
                   "transactions/my-notes.txt", "not one of the dataset's files")
    assert (out / "transactions" / "my-notes.txt").exists()
    (out / "transactions" / "my-notes.txt").unlink()
    # A dataset of ours holding nothing else is replaced.
    assert cli("import", "amlworld", src, "--out", out, "--overwrite", "-q").exit_code == 0
    assert open_dataset(out).rows("transactions") == 4


def test_the_output_never_holds_the_commands_own_input(tmp_path: Path) -> None:
    folder = tmp_path / "dir"
    folder.mkdir()
    src = aml_csv(folder / "tx.csv")
    one_line_error(cli("import", "amlworld", src, "--out", folder, "--overwrite", "-q"), "own input")
    assert src.exists()
    mapping = folder / "map.yaml"
    mapping.write_text("columns: {timestamp: a, src_account: b, dst_account: c, amount: d}\n")
    one_line_error(cli("import", "table", src, "--map", mapping, "--out", folder, "--overwrite", "-q"), "own input")


def test_export_onto_the_datasets_own_files_is_refused(tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    assert cli("import", "amlworld", aml_csv(tmp_path / "tx.csv"), "--out", ds, "-q").exit_code == 0
    before = (ds / "manifest.json").read_bytes()
    for fmt in ("amlworld", "ftm"):
        one_line_error(cli("export", fmt, ds, "--out", ds / "manifest.json", "--overwrite", "-q"), "input")
    assert (ds / "manifest.json").read_bytes() == before
    assert open_dataset(ds).rows("transactions") == 4


def test_every_file_output_refuses_an_existing_file_without_overwrite(tmp_path: Path, tiny_path: Path) -> None:
    ds = tmp_path / "ds"
    assert cli("import", "amlworld", aml_csv(tmp_path / "tx.csv"), "--out", ds, "-q").exit_code == 0
    existing = tmp_path / "existing.out"
    existing.write_text("keep")
    missing = tmp_path / "no-such-dataset"
    cases = [
        ["export", "amlworld", ds, "--out", existing],
        ["export", "ftm", ds, "--out", existing],
        ["lists", "export", "ofac-sdn-2021-07", "--out", existing],
        ["lists", "fetch", (tmp_path / "tx.csv").as_uri(), "--out", existing],
        ["inspect", tiny_path, "--laundering", "--plot", existing],
        # Refused before any work: the data does not even exist, and the output is the error.
        ["train", missing, "--until", "2024-01-20", "--model", existing],
        ["detect", missing, "--out", existing],
    ]
    for args in cases:
        one_line_error(cli(*args), "exists; pass --overwrite")
        assert existing.read_text() == "keep", args
    cal = tmp_path / "cal"
    cal.mkdir()
    (cal / "calibration.csv").write_text("keep")
    one_line_error(cli("calibrate", "--scenario", "no-such-scenario.yaml", "--out", cal), "exists")
    assert (cal / "calibration.csv").read_text() == "keep"


def test_overwrite_replaces_only_a_file_of_the_expected_kind(tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    assert cli("import", "amlworld", aml_csv(tmp_path / "tx.csv"), "--out", ds, "-q").exit_code == 0
    notes = tmp_path / "notes.csv"
    notes.write_text("my notes, not an export\n")
    one_line_error(cli("export", "amlworld", ds, "--out", notes, "--overwrite", "-q"), "not an AMLworld CSV")
    one_line_error(cli("detect", ds, "--out", notes, "--overwrite"), "not a Parquet file")
    one_line_error(cli("lists", "export", "ofac-sdn-2021-07", "--out", notes, "--overwrite"), "JSON-lines")
    assert notes.read_text() == "my notes, not an export\n"
    out = tmp_path / "t.csv"
    assert cli("export", "amlworld", ds, "--out", out, "-q").exit_code == 0
    assert cli("export", "amlworld", ds, "--out", out, "--overwrite", "-q").exit_code == 0


def test_wrong_kind_of_output_path(tmp_path: Path) -> None:
    src = aml_csv(tmp_path / "tx.csv")
    a_file = tmp_path / "file"
    a_file.write_text("x")
    one_line_error(cli("import", "amlworld", src, "--out", a_file, "-q"), "existing file; give a directory")
    one_line_error(cli("import", "amlworld", src, "--out", a_file / "ds", "-q"), "is a file, not a folder")
    ds = tmp_path / "ds"
    assert cli("import", "amlworld", src, "--out", ds, "-q").exit_code == 0
    one_line_error(cli("export", "amlworld", ds, "--out", tmp_path, "-q"), "is a directory")
    one_line_error(cli("calibrate", "--out", a_file), "existing file")


def test_a_second_run_into_the_same_output_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from counterflow.files import output_lock\n"
         f"with output_lock({str(out)!r}):\n    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        res = cli("import", "amlworld", aml_csv(tmp_path / "tx.csv"), "--out", out, "-q")
        one_line_error(res, "another counterflow run is writing this output")
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()
    # The kernel drops the lock with the killed process: no stale lock blocks the next run.
    assert cli("import", "amlworld", tmp_path / "tx.csv", "--out", out, "-q").exit_code == 0
    assert not (tmp_path / ".ds.lock").exists()


def test_two_concurrent_runs_one_wins_one_is_refused(tmp_path: Path) -> None:
    src = aml_csv(tmp_path / "tx.csv", rows=20_000)
    out = tmp_path / "ds"
    cmd = [sys.executable, "-m", "counterflow.cli.main", "import", "amlworld", str(src), "--out", str(out), "-q"]
    procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    codes = sorted(rc for rc, _ in results)
    assert codes == [0, 2], results
    err = next(e for rc, e in results if rc == 2)
    # Either it lost the race for the lock, or it came after the winner had published.
    assert "another counterflow run" in err or "exists; pass --overwrite" in err
    assert open_dataset(out).rows("transactions") == 20_000


def test_leftovers_of_a_killed_run_are_cleaned_at_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    stale = hidden(out, "tmp")
    stale.mkdir()
    (stale / "transactions").mkdir()
    stale_stage = tmp_path / ".ds.stage-k1l2m3n4"
    stale_stage.mkdir()
    res = cli("import", "amlworld", aml_csv(tmp_path / "tx.csv"), "--out", out, "-q")
    assert res.exit_code == 0, res.output
    assert not stale.exists() and not stale_stage.exists()
    assert "removed a temporary folder left by an interrupted run" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds", "tx.csv"]


def test_an_old_dataset_moved_aside_is_restored_when_the_new_one_never_arrived(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    old = hidden(out, "old")
    old.mkdir()
    (old / "manifest.json").write_text("{}")
    assert recover(out) == [f"restored the previous {out} left aside by an interrupted run"]
    assert (out / "manifest.json").exists() and not old.exists()


def test_publish_dir_swaps_folders(tmp_path: Path) -> None:
    target, new = tmp_path / "t", tmp_path / "n"
    target.mkdir()
    (target / "old").write_text("1")
    new.mkdir()
    (new / "new").write_text("2")
    publish_dir(new, target)
    assert [p.name for p in target.iterdir()] == ["new"] and not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t"]


def test_a_pair_of_files_commits_as_one_unit_even_when_killed_half_way(tmp_path: Path) -> None:
    a, b = tmp_path / "alerts.parquet", tmp_path / "alerts.evidence.parquet"
    a.write_text("old a")
    b.write_text("old b")
    stage = hidden(a, "pair")
    stage.mkdir()
    (stage / "a").write_text("new a")
    (stage / "b").write_text("new b")
    # A run killed after its journal (the commit point) and one of the two moves:
    journal = tmp_path / ".alerts.parquet.commit"
    journal.write_text(json.dumps([[str(stage / "b"), str(b)], [str(stage / "a"), str(a)]]))
    os.replace(stage / "b", b)
    assert (a.read_text(), b.read_text()) == ("old a", "new b")  # the half state ...
    recover(a)  # ... which the next run into the same place completes
    assert (a.read_text(), b.read_text()) == ("new a", "new b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alerts.evidence.parquet", "alerts.parquet"]
    # Killed before the journal: nothing was replaced, and the stage goes.
    stage = hidden(a, "pair")
    stage.mkdir()
    (stage / "a").write_text("newer a")
    recover(a)
    assert a.read_text() == "new a" and not stage.exists()
    stage.mkdir()
    (stage / "a").write_text("newest a")
    (stage / "b").write_text("newest b")
    commit_files([(stage / "b", b), (stage / "a", a)], a)
    assert (a.read_text(), b.read_text()) == ("newest a", "newest b") and not journal.exists()


def test_detect_replaces_alerts_and_evidence_together(tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    assert cli("import", "amlworld", aml_csv(tmp_path / "tx.csv", rows=400), "--out", ds, "-q").exit_code == 0
    out = tmp_path / "alerts.parquet"
    assert cli("detect", ds, "--out", out, "--no-model").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alerts.evidence.parquet", "alerts.parquet", "ds",
                                                          "tx.csv"]
    res = cli("detect", ds, "--out", out, "--no-model", "--overwrite")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alerts.evidence.parquet", "alerts.parquet", "ds",
                                                          "tx.csv"]


def test_read_only_output_folder_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    src = aml_csv(tmp_path / "tx.csv")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere: make the kernel's answer for this folder what a user gets
        real_open, real_mkdir = os.open, os.mkdir

        def refuse(real):
            def call(path, *a, **k):
                if str(path).startswith(str(ro) + os.sep):
                    raise PermissionError(errno.EACCES, "Permission denied", str(path))
                return real(path, *a, **k)
            return call

        monkeypatch.setattr(os, "open", refuse(real_open))
        monkeypatch.setattr(os, "mkdir", refuse(real_mkdir))
    try:
        for args in (["import", "amlworld", src, "--out", ro / "ds", "-q"],
                     ["export", "amlworld", tmp_path / "no-dataset", "--out", ro / "t.csv", "-q"]):
            err = one_line_error(cli(*args), "cannot write the output: permission denied")
            assert err.startswith(str(ro / ("ds" if "import" in args else "t.csv")) + ":")
    finally:
        ro.chmod(0o755)


def test_input_error_for_a_locked_target_names_the_target_not_the_lock(tmp_path: Path) -> None:
    from counterflow.files import check_output

    with pytest.raises(InputError) as err:
        check_output(tmp_path, kind="file", overwrite=True)
    assert ".lock" not in str(err.value) and ".tmp-" not in str(err.value)


def test_refusals_happen_before_any_work(tmp_path: Path, tiny_path: Path) -> None:
    existing = tmp_path / "alerts.parquet"
    existing.write_bytes(b"PAR1")
    t0 = time.perf_counter()
    one_line_error(cli("detect", tiny_path, "--out", existing), "exists")
    assert time.perf_counter() - t0 < 2.0  # a full detect on tiny takes far longer


def test_messages_name_the_output_not_its_temporary_file(capsys: pytest.CaptureFixture[str]) -> None:
    from counterflow.cli.output import _fail

    with pytest.raises(SystemExit) as ex:
        _fail("error: out/.ds.tmp-0a1b2c3d4e5f/transactions/part-00000.parquet: No space left on device", 2)
    assert ex.value.code == 2
    assert capsys.readouterr().err == "error: out/ds: No space left on device\n"


def test_a_half_replaced_alerts_pair_is_refused_by_its_readers_until_detect_runs_again(tmp_path: Path) -> None:
    from counterflow.detect.alerts import read_alerts, read_evidence

    ds = tmp_path / "ds"
    assert cli("import", "amlworld", aml_csv(tmp_path / "tx.csv", rows=400), "--out", ds, "-q").exit_code == 0
    out = tmp_path / "alerts.parquet"
    ev = tmp_path / "alerts.evidence.parquet"
    assert cli("detect", ds, "--out", out, "--no-model").exit_code == 0
    whole = (out.read_bytes(), ev.read_bytes())
    # A detect run killed after its commit point and the first of its two moves: new evidence, old alerts.
    stage = hidden(out, "pair")
    stage.mkdir()
    (stage / "a").write_bytes(whole[0])
    (stage / "b").write_bytes(b"PAR1 not the evidence of these alerts")
    (tmp_path / ".alerts.parquet.commit").write_text(json.dumps([[str(stage / "b"), str(ev)],
                                                                 [str(stage / "a"), str(out)]]))
    os.replace(stage / "b", ev)
    for read in (read_alerts, read_evidence):
        with pytest.raises(CounterflowError, match="half replaced by an interrupted detect run; run detect again"):
            read(out)
    one_line_error(cli("evaluate", out, "--data", ds), "run detect again with the same --out")
    # The next detect into the same place completes the pair (then replaces it); the readers accept it.
    assert cli("detect", ds, "--out", out, "--no-model", "--overwrite").exit_code == 0
    assert (out.read_bytes(), ev.read_bytes()) == whole
    assert read_alerts(out).num_rows == pq.read_metadata(out).num_rows and read_evidence(out).num_rows >= 0
