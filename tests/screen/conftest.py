"""Screening fixtures: trimmed real list files, and the full 2024 SDN index built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.screen.index import ScreeningIndex
from counterflow.screen.lists import load_shipped
from counterflow.screen.match import Screener
from counterflow.screen.ofac import load_ofac_csv

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def sdn2024_small():
    return load_ofac_csv(FIXTURES / "ofac-2024" / "sdn.csv", list_id="ofac-test-2024")


@pytest.fixture(scope="session")
def sdn2021_small():
    return load_ofac_csv(FIXTURES / "ofac-2021" / "sdn.csv", list_id="ofac-test-2021")


@pytest.fixture(scope="session")
def full_screener() -> Screener:
    """The shipped 2024 SDN list, indexed once for the session (a few seconds)."""
    return Screener(ScreeningIndex(load_shipped("ofac-sdn-2024-05-03")))
