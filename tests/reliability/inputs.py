"""Small hand-made inputs for the reliability tests: AMLworld CSVs, column mappings."""

from __future__ import annotations

from pathlib import Path

from counterflow.dataset.amlworld import HEADER

ROWS = [
    "2022/09/01 00:20,10,8000EBD30,10,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0",
    "2022/09/01 00:20,3208,8000F4580,1,8000F5340,0.01,US Dollar,0.01,US Dollar,Cheque,0",
    "2022/09/01 00:00,3209,8000F4670,3209,8000F4670,14675.57,US Dollar,14675.57,US Dollar,Reinvestment,0",
    "2022/09/01 00:02,12,8000F5030,12,8000F5030,2806.97,US Dollar,2806.97,US Dollar,Reinvestment,1",
]


def aml_csv(path: Path, rows: int = 4) -> Path:
    """An AMLworld CSV of ``rows`` rows (the four above, repeated with new minutes and accounts)."""
    path.write_bytes(aml_bytes(rows))
    return path


def aml_bytes(rows: int = 4) -> bytes:
    lines = [",".join(HEADER)]
    for i in range(rows):
        base = ROWS[i % 4]
        if i >= 4:
            f = base.split(",")
            f[0] = f"2022/09/{1 + (i // 1440) % 28:02d} {(i // 60) % 24:02d}:{i % 60:02d}"
            f[2] = f"A{i % 997}"
            f[4] = f"B{i % 991}"
            base = ",".join(f)
        lines.append(base)
    return ("\n".join(lines) + "\n").encode("utf-8")
