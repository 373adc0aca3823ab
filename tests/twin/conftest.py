"""Short runs of the twin shared by the tests: one baseline and one run per counter-measure,
all from the same seed, so differences are the levers' doing."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest

from counterflow.scenario import load_scenario
from counterflow.scenario.trafficking import Trafficking
from counterflow.twin import TwinResult, run_twin

START, END, LEVER = dt.date(2019, 7, 1), dt.date(2022, 12, 31), dt.date(2021, 1, 1)
SEED = 3

EXTRA_LEVERS = {
    "land_port_nii": {"kind": "land_port_nii", "start": LEVER, "scan_share": 0.9},
    "lab_raids": {"kind": "lab_raids", "start": LEVER, "multiplier": 30},
    "arrests": {"kind": "arrests", "start": LEVER, "organisation": "sinaloa", "disruption": 0.8,
                "recovery_days": 120},
    "mail_inspection": {"kind": "mail_inspection", "start": dt.date(2019, 8, 1), "multiplier": 3},
}


@cache
def twin_run(name: str) -> TwinResult:
    """``baseline``, a built-in scenario's levers, or one of EXTRA_LEVERS, on the short horizon."""
    if name in EXTRA_LEVERS:
        tr = Trafficking.model_validate({"start_date": START, "levers": [EXTRA_LEVERS[name]]})
    else:
        sc, _ = load_scenario(name)
        tr = sc.trafficking.model_copy(update={"start_date": START})
    return run_twin(tr, END, SEED)


@pytest.fixture(scope="session")
def base() -> TwinResult:
    return twin_run("baseline")
