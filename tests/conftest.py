"""Shared fixtures: small datasets generated once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.dataset.reader import Dataset, open_dataset
from counterflow.render.pipeline import simulate
from counterflow.scenario import load_scenario, parse_scenario

YEAR_SCENARIO = """
name: year
start_date: 2024-01-01
days: 366
population: {persons: 1500, businesses: 200}
output: {chunk_rows: 50000, rows_per_file: 200000}
"""


@pytest.fixture(scope="session")
def tiny_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sc, _ = load_scenario("tiny")
    return simulate(sc, 7, tmp_path_factory.mktemp("tiny") / "ds").path


@pytest.fixture(scope="session")
def tiny(tiny_path: Path) -> Dataset:
    return open_dataset(tiny_path)


@pytest.fixture(scope="session")
def year(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """A whole calendar year for calendar effects (paydays, seasons, semesters)."""
    sc = parse_scenario(YEAR_SCENARIO)
    return open_dataset(simulate(sc, 11, tmp_path_factory.mktemp("year") / "ds").path)


@pytest.fixture(scope="session")
def laundered_ds(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The tiny world with ten times its automatic laundering scale: enough pick-ups to look at."""
    from counterflow.scenario.laundering import Laundering

    sc, _ = load_scenario("tiny")
    sc = sc.model_copy(update={"laundering": Laundering(cash_scale=0.003)})
    return open_dataset(simulate(sc, 7, tmp_path_factory.mktemp("laundered") / "ds").path)


# The tiny world (with enough businesses for a veterinary clinic) over 100 days at ten times its
# automatic laundering scale, with smaller trade orders: enough trade-based laundering orders
# complete (paid, shipped, sold) to test on.
TRADE_SCENARIO = """
name: trade-laundering
start_date: 2024-01-01
days: 100
population: {persons: 600, businesses: 200}
laundering: {cash_scale: 0.003, trade: {order_usd: 20000}}
output: {chunk_rows: 20000, rows_per_file: 50000}
"""


@pytest.fixture(scope="session")
def trade_world(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """Trade-based laundering and supplier payments on a world small enough for tests."""
    sc = parse_scenario(TRADE_SCENARIO)
    return open_dataset(simulate(sc, 7, tmp_path_factory.mktemp("trade") / "ds").path)
