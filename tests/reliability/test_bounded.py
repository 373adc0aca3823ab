"""Endless and explosive inputs are refused within bounded memory: the loaders run in a child process
whose address space is capped (resource.setrlimit), and must answer with the project's input error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
from counterflow.errors import CounterflowError
{imports}
try:
    {call}
except CounterflowError as exc:
    print("refused:", exc)
    sys.exit(0)
except MemoryError:
    print("MemoryError")
    sys.exit(3)
print("loaded")
sys.exit(4)
"""
CAP = 1536 << 20  # an address space of 1.5 GiB: enough for the interpreter and the libraries it loads

BOMB = "name: b\na: &a [" + ",".join(['"xxxxxxxx"'] * 9) + "]\n" + "".join(
    f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi"))


def _child(imports: str, call: str) -> str:
    res = subprocess.run([sys.executable, "-c", CHILD.format(cap=CAP, imports=imports, call=call)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, (res.returncode, res.stdout, res.stderr[-2000:])
    return res.stdout


@pytest.mark.parametrize("imports, call, reason", [
    ("from counterflow.scenario import load_scenario", "load_scenario('/dev/zero')", "larger than 1024 KiB"),
    ("from counterflow.dataset.tabular import load_mapping", "load_mapping('/dev/zero')", "larger than 1024 KiB"),
    ("from counterflow.screen.lists import load_list", "load_list('/dev/zero')", "larger than 256 MiB"),
    ("from counterflow.scenario import parse_scenario", f"parse_scenario({BOMB!r}, 'bomb.yaml')", "YAML bomb"),
    ("from counterflow.scenario import parse_scenario", "parse_scenario('a: ' + '[' * 100000, 'deep.yaml')",
     "not valid YAML"),
])
def test_endless_and_explosive_inputs_refused_in_bounded_memory(imports: str, call: str, reason: str) -> None:
    out = _child(imports, call)
    assert out.startswith("refused:") and reason in out, out


def test_an_endless_ftm_line_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    p = tmp_path / "endless.jsonl"
    with open(p, "wb") as fh:  # one line of 40 MiB, no new line
        fh.write(b'{"schema": "Person", "properties": {"name": ["' + b"x" * (40 << 20))
    out = _child("from counterflow.screen.parties import read_parties", f"read_parties({str(p)!r})")
    assert "a line longer than 16 MiB" in out, out


def test_cli_scenario_from_dev_zero_is_one_line_and_exit_2(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "counterflow.cli.main", "simulate", "--scenario", "/dev/zero",
                          "--out", str(tmp_path / "ds"), "-q"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        "error: /dev/zero: the scenario file is larger than 1024 KiB; it cannot be one"]
    assert not (tmp_path / "ds").exists() and list(tmp_path.iterdir()) == []
