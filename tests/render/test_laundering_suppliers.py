"""Payments for precursors: fronts paying Chinese makers and brokers, and their legitimate look-alikes."""

from __future__ import annotations

import pydantic
import pytest

from counterflow.dataset.reader import Dataset
from counterflow.render.economy.context import build_context
from counterflow.render.laundering import suppliers
from counterflow.render.pipeline import _trafficking
from counterflow.render.population import build_population
from counterflow.scenario import parse_scenario
from counterflow.scenario.laundering_trade import SupplierPayments
from counterflow.twin import params as P
from tests.conftest import TRADE_SCENARIO

SEED = 7
PAY = """SELECT t.*, CAST(t.currency_received AS VARCHAR) cur_r, CAST(t.channel AS VARCHAR) chan,
                CAST(t.txn_type AS VARCHAR) kind, CAST(l.typology AS VARCHAR) typ, l.case_id, l.is_illicit,
                CAST(t.ts AS DATE) d
         FROM transactions t JOIN transaction_labels l USING (txn_id)"""
ILLICIT = f"SELECT * FROM ({PAY}) WHERE is_illicit AND typ IN ('P8', 'P9', 'P10', 'F1')"


@pytest.fixture(scope="module")
def splan() -> suppliers.SupplierPlan:
    sc = parse_scenario(TRADE_SCENARIO)
    pop = build_population(sc, SEED)
    ctx = build_context(sc, SEED, pop)
    ctx.cache["twin_records"] = _trafficking(sc, SEED, pop)[1]
    return suppliers.build_plan(ctx)


def test_every_typology_appears_labeled(trade_world: Dataset) -> None:
    typ = dict(trade_world.fetchall(f"SELECT typ, count(*) FROM ({ILLICIT}) GROUP BY 1"))
    assert {"P8", "P9", "P10", "F1"} == set(typ)
    assert trade_world.fetchone(f"SELECT count(*) FROM ({ILLICIT}) WHERE case_id NOT IN (3001, 3002)")[0] == 0
    # Crypto: the fronts buy USDT and send it from their wallets to the beneficiaries' wallets.
    kinds = {(c, k) for c, k in trade_world.fetchall(f"SELECT DISTINCT chan, kind FROM ({ILLICIT})")}
    assert {("CRYPTO", "crypto_purchase"), ("CRYPTO", "b2b_payment"), ("WIRE", "trade_payment"),
            ("WIRE", "b2b_payment"), ("MSB", "p2p")} == kinds


def test_payments_add_up_to_the_price_of_each_load(trade_world: Dataset, splan: suppliers.SupplierPlan) -> None:
    parts, value = splan.parts, splan.value
    assert len(value) > 10
    for sid, v in value.items():
        assert parts["usd"][parts["shipment"] == sid].sum() == pytest.approx(v, abs=0.01)
    # The price is the load's kilograms times the maker's price of one of the chemicals (an Indian
    # maker's dearer), up to the rounding of the declared kilograms.
    prices = [p * f for p in P.PRICE_CN for f in (1.0, P.INDIA_PRICE_FACTOR)]
    kg = dict(trade_world.fetchall("SELECT shipment_id, quantity FROM shipments"))
    for sid, v in value.items():
        if kg[sid] >= 5:
            assert min(abs(v / kg[sid] / p - 1) for p in prices) < 0.02
    # The dataset carries every part paid inside the window: USD at the day's rate of what arrived
    # (crypto counted once, at the wallet-to-wallet leg).
    days = parse_scenario(TRADE_SCENARIO).days
    got = dict(trade_world.fetchall(f"""SELECT case_id, sum(amount_received * f.usd_per_unit) FROM ({ILLICIT}) t
        JOIN fx_rates f ON f.date = t.d AND f.currency = t.cur_r WHERE kind <> 'crypto_purchase' GROUP BY 1"""))
    for case in (3001, 3002):
        inside = (parts["case"] == case) & (parts["day"] >= 0) & (parts["day"] < days)
        assert got[case] == pytest.approx(parts["usd"][inside].sum(), rel=1e-4)


def test_many_payers_and_shared_identifiers(trade_world: Dataset) -> None:
    ds = trade_world
    payers = ds.fetchone(f"""SELECT max(n) FROM (SELECT dst_account, count(DISTINCT src_account) n FROM ({ILLICIT})
                             WHERE typ IN ('P9', 'P10', 'P8') AND kind <> 'crypto_purchase' GROUP BY 1)""")[0]
    assert payers >= 3
    # Each extra front shares a phone, email or address with one of the twin's fronts of its case.
    rows = ds.fetchall("""SELECT e.party_id, count(f.party_id), any_value(e.industry_code)
        FROM parties e JOIN party_labels le ON le.party_id = e.party_id AND CAST(le.typology AS VARCHAR) = 'P6'
        JOIN party_labels lf ON lf.case_id = le.case_id AND CAST(lf.typology AS VARCHAR) = 'P5'
        JOIN parties f ON f.party_id = lf.party_id
            AND (f.phone = e.phone OR f.email = e.email OR f.address = e.address)
        GROUP BY 1""")
    assert len(rows) == 6 and all(n >= 1 for _, n, _ in rows)
    assert {c for *_, c in rows} >= {"424690", "722511"}  # one looks like a chemical wholesaler, one does not


def test_small_transfers_add_up(trade_world: Dataset) -> None:
    rows = trade_world.fetchall(f"""SELECT dst_account, count(*), max(amount_paid), sum(amount_paid)
                                    FROM ({ILLICIT}) WHERE typ = 'F1' GROUP BY 1""")
    assert rows and all(mx < 100 for _, _, mx, _ in rows)
    assert max(n for _, n, _, _ in rows) >= 10 and max(s for *_, s in rows) > 300


def test_legitimate_look_alikes_exist(trade_world: Dataset) -> None:
    ds = trade_world
    legit = f"""SELECT t.*, p.country dst_country, p.industry_code dst_industry, ps.industry_code src_industry
        FROM ({PAY}) t JOIN accounts a ON a.account_id = t.dst_account JOIN parties p ON p.party_id = a.party_id
        LEFT JOIN accounts sa ON sa.account_id = t.src_account LEFT JOIN parties ps ON ps.party_id = sa.party_id
        WHERE NOT t.is_illicit"""
    small = ds.fetchone(f"""SELECT count(*) FROM ({legit}) WHERE dst_country IN ('CN', 'HK') AND chan = 'MSB'
                            AND amount_paid < 100""")[0]
    crypto = ds.fetchone(f"SELECT count(*) FROM ({legit}) WHERE chan = 'CRYPTO' AND kind = 'b2b_payment'")[0]
    # Non-chemical businesses (labs, vets) paying Chinese chemical or pharmaceutical makers.
    mismatch = ds.fetchone(f"""SELECT count(*) FROM ({legit}) WHERE dst_country IN ('CN', 'HK', 'IN')
        AND dst_industry IN ('325199', '325412') AND src_industry IN ('621511', '541940')""")[0]
    trade_wires = ds.fetchone(f"""SELECT count(*) FROM ({legit}) WHERE kind = 'trade_payment'
        AND dst_country IN ('CN', 'HK') AND dst_industry IN ('325199', '424690')""")[0]
    many = ds.fetchone(f"""SELECT max(n) FROM (SELECT dst_account, count(DISTINCT src_account) n FROM ({legit})
        WHERE dst_industry IN ('325199', '325412') AND dst_country IN ('CN', 'HK', 'IN') GROUP BY 1)""")[0]
    assert small >= 10 and crypto >= 2 and mismatch >= 1 and trade_wires >= 3 and many >= 3


def test_plan_is_deterministic(splan: suppliers.SupplierPlan) -> None:
    sc = parse_scenario(TRADE_SCENARIO)
    pop = build_population(sc, SEED)
    ctx = build_context(sc, SEED, pop)
    ctx.cache["twin_records"] = _trafficking(sc, SEED, pop)[1]
    again = suppliers.build_plan(ctx)
    assert again.parties.equals(splan.parties) and again.accounts.equals(splan.accounts)
    assert all((again.legs.arrays[k] == splan.legs.arrays[k]).all() for k in splan.legs.arrays)


def test_knobs_are_checked() -> None:
    with pytest.raises(pydantic.ValidationError):
        SupplierPayments(low_dollar_share=0.5, crypto_share=0.5, small_transfer_share=0.1)
    with pytest.raises(pydantic.ValidationError):
        SupplierPayments(payers=3)


def test_illicit_share_stays_small(year: Dataset) -> None:
    n, illicit = year.fetchone("SELECT count(*), count(*) FILTER (WHERE is_illicit) FROM transaction_labels")
    assert illicit / n < 0.02
