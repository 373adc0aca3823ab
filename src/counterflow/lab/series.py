"""The public yearly series the lab fits and scores against, shipped with their sources.

``lab/data/series.csv`` is a copy of the project's ``../shared/facts/series.csv``: US deaths
involving synthetic opioids other than methadone (ICD-10 T40.4, calendar years), CBP fentanyl
seizures (pounds, US fiscal years October-September), DEA pill seizures and the share of pills
tested with a lethal dose, Mexican seizures (kg). Each row carries its status (final,
provisional, approximate) and source.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from counterflow.errors import InputError

COLUMNS = ("series", "year", "value", "unit", "status", "source")
DEATHS, CBP, PILLS, LETHAL, MEXICO = (
    "us_deaths_synthetic_t404", "cbp_fentanyl_lb_fy", "dea_pills_seized", "dea_lethal_dose_share",
    "mexico_fentanyl_seized_kg",
)


@dataclass(frozen=True)
class Point:
    series: str
    year: int
    value: float
    unit: str
    status: str
    source: str


def load(path: str | Path | None = None) -> dict[str, dict[int, Point]]:
    """The series by name, each by year; ``path`` None reads the shipped copy."""
    if path is None:
        text = (resources.files("counterflow.lab") / "data" / "series.csv").read_text(encoding="utf-8")
        name = "series.csv (shipped)"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read the series file ({exc.strerror})", file=str(path)) from exc
        name = str(path)
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", file=name, row=1)
    out: dict[str, dict[int, Point]] = {}
    for i, row in enumerate(reader, start=2):
        try:
            year = int(row["year"])
        except ValueError:
            raise InputError(f"not a year: {row['year']!r}", file=name, row=i, field="year") from None
        try:
            value = float(row["value"])
        except ValueError:
            raise InputError(f"not a number: {row['value']!r}", file=name, row=i, field="value") from None
        s = row["series"]
        if year in out.get(s, {}):
            raise InputError(f"{s} {year} appears twice", file=name, row=i, field="year")
        out.setdefault(s, {})[year] = Point(s, year, value, row["unit"], row["status"], row["source"])
    return out


def values(series: dict[str, dict[int, Point]], name: str, first: int = 0, last: int = 9999) -> dict[int, float]:
    """``{year: value}`` of one series between two years (inclusive)."""
    return {y: p.value for y, p in sorted(series.get(name, {}).items()) if first <= y <= last}
