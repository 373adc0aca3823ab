"""The generator must not give its labels away: illicit persons look like honest ones of their cover.

``bench/leak_bench.py``'s party check on a small world: LightGBM on every trait of a person's
account and of its holder (type, currency, bank, open date, age, occupation, phone, email, address
and name formats, city), illicit holders against honest ones of the same country and nationality.
A new attribute drawn differently for illicit parties (an empty field, a format, another date
curve) lifts F1 toward 1 and fails the test; before issue 11 the same check scored 0.86 on the
default scenario (occupation carried two thirds of the gain), now about 0.25.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from counterflow.dataset.reader import open_dataset
from counterflow.render.pipeline import simulate
from counterflow.scenario import parse_scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import leak_bench  # noqa: E402

SCENARIO = """name: leak-small
days: 30
population: {persons: 3000, businesses: 200}
laundering: {cash_scale: 0.002}
output: {chunk_rows: 100000}
"""
MAX_F1 = 0.5


@pytest.fixture(scope="module")
def person_accounts(tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    res = simulate(parse_scenario(SCENARIO), 3, tmp_path_factory.mktemp("leak") / "ds")
    with open_dataset(res.path) as ds:
        start = ds.fetchall("SELECT CAST(min(ts) AS DATE) FROM transactions")[0][0]
        return ds.sql(leak_bench._PERSON_ACCOUNTS.format(start=start)).to_arrow_table()


def test_illicit_persons_look_like_honest_ones_of_their_cover(person_accounts: pa.Table) -> None:
    res = leak_bench.party_f1(person_accounts)
    assert res["illicit"] >= 100  # enough illicit holders to measure
    assert res["f1"] <= MAX_F1, res["top_gain"]


def test_the_check_catches_a_leaking_attribute(person_accounts: pa.Table) -> None:
    # Known answer: blank the occupation of illicit holders (as the twins once did) and the same
    # check finds them.
    y = person_accounts.column("y").to_numpy().astype(bool)
    occ = person_accounts.column("occupation").to_numpy().copy()
    occ[y] = 1000  # a value no honest occupation hashes to
    leaked = person_accounts.set_column(person_accounts.schema.get_field_index("occupation"), "occupation",
                                        pa.array(occ))
    assert leak_bench.party_f1(leaked)["f1"] >= 0.9
    assert np.isclose(leak_bench.party_f1(person_accounts)["f1"], leak_bench.party_f1(person_accounts)["f1"])
