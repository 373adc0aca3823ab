"""The laundering twin: mirror swaps, structuring, mules and funnel accounts, with their labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydantic
import pytest

from counterflow.dataset.reader import Dataset, open_dataset
from counterflow.render.batch import TxnRows
from counterflow.render.calendar import day
from counterflow.render.economy.context import build_context
from counterflow.render.ids import DayStreams
from counterflow.render.laundering import mirror
from counterflow.render.laundering.network import Plan, build_plan
from counterflow.render.pipeline import simulate
from counterflow.render.population import build_population
from counterflow.scenario import load_scenario, parse_scenario
from counterflow.scenario.laundering import Laundering
from counterflow.scenario.laundering_trade import SupplierPayments, TradeLaundering

SEED = 7  # the tiny fixture's seed: the trafficking twin's run is shared (memoised)
LEG = """SELECT t.*, CAST(t.currency_paid AS VARCHAR) cur, CAST(l.typology AS VARCHAR) typ, l.case_id,
                CAST(t.ts AS DATE) d FROM transactions t JOIN transaction_labels l USING (txn_id) WHERE l.is_illicit"""


def _scenario():
    sc, _ = load_scenario("tiny")
    # Ten times the tiny world's automatic scale, for enough pick-ups to test on; the mirror alone
    # (trade-based laundering and supplier payments have their own tests).
    return sc.model_copy(update={"laundering": Laundering(cash_scale=0.003, trade=TradeLaundering(enabled=False),
                                                          suppliers=SupplierPayments(enabled=False))})


@pytest.fixture(scope="module")
def laundered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, Plan]:
    sc = _scenario()
    ds = open_dataset(simulate(sc, SEED, tmp_path_factory.mktemp("laundering") / "ds").path)
    ctx = build_context(sc, SEED, build_population(sc, SEED))
    ctx.cash_proceeds = ds.arrow("cash_proceeds")
    return ds, build_plan(ctx)


def test_every_typology_appears_labeled(laundered: tuple[Dataset, Plan]) -> None:
    ds, plan = laundered
    typ = dict(ds.fetchall(f"SELECT typ, count(*) FROM ({LEG}) GROUP BY 1"))
    assert {"F3", "F4", "C1", "C2"} <= set(typ)
    assert ds.fetchone(f"SELECT count(*) FROM ({LEG}) WHERE typ IS NULL OR case_id NOT IN (3001, 3002)")[0] == 0
    roles = dict(ds.fetchall("""SELECT CAST(role AS VARCHAR), count(*) FROM party_labels
                                WHERE is_illicit AND case_id IN (3001, 3002) GROUP BY 1"""))
    assert {"money_broker", "broker_courier", "mule", "dollar_buyer", "peso_buyer", "cartel"} <= set(roles)
    # Mules are real persons of the targeted occupations, and they keep their ordinary activity.
    occ = {o for (o,) in ds.fetchall("""SELECT DISTINCT p.occupation FROM parties p JOIN party_labels l
                                        USING (party_id) WHERE CAST(l.role AS VARCHAR) = 'mule'""")}
    assert occ and occ <= {"student", "homemaker", "retiree", "laborer"}
    legit = ds.fetchone("""SELECT count(*) FROM transactions t JOIN transaction_labels l USING (txn_id)
        JOIN accounts a ON a.account_id = t.dst_account JOIN party_labels p USING (party_id)
        WHERE CAST(p.role AS VARCHAR) = 'mule' AND NOT l.is_illicit""")[0]
    assert legit > 0
    # Every account the illicit legs touch belongs to a party labeled illicit in the same case.
    bad = ds.fetchone(f"""SELECT count(*) FROM ({LEG}) t JOIN accounts a ON a.account_id IN (t.src_account,
        t.dst_account) JOIN party_labels p USING (party_id) WHERE NOT p.is_illicit OR p.case_id <> t.case_id""")[0]
    assert bad == 0


def test_structured_deposits_stay_below_the_threshold(laundered: tuple[Dataset, Plan]) -> None:
    ds, _ = laundered
    amounts = np.array([a for (a,) in ds.fetchall(f"SELECT amount_paid FROM ({LEG}) WHERE typ IN ('F3', 'F4')")])
    assert len(amounts) > 20 and amounts.max() < 10_000 and amounts.min() > 1_000
    # Funnel deposits land in one account from branches in several states.
    states = ds.fetchone(f"""SELECT max(n) FROM (SELECT dst_account, count(DISTINCT p.state) n FROM ({LEG}) t
                             JOIN places p ON p.place_id = t.location_id WHERE typ = 'F4' GROUP BY 1)""")[0]
    assert states >= 3


def test_money_is_conserved_per_case(laundered: tuple[Dataset, Plan]) -> None:
    ds, plan = laundered
    pk = plan.pickups
    deposits = dict(ds.fetchall(f"SELECT case_id, sum(amount_paid) FROM ({LEG}) WHERE typ IN ('F3','F4') GROUP BY 1"))
    pesos = dict(ds.fetchall(f"""SELECT t.case_id, sum(t.amount_paid * f.usd_per_unit) FROM ({LEG}) t
        JOIN accounts a ON a.account_id = t.dst_account JOIN party_labels p USING (party_id)
        JOIN fx_rates f ON f.date = t.d AND f.currency = t.cur WHERE CAST(p.role AS VARCHAR) = 'cartel' GROUP BY 1"""))
    assert set(deposits) == set(pesos) == {3001, 3002}
    for case in deposits:
        mine = pk.case == case
        cash_in = pk.cash[mine].sum()
        losses = pk.cash[mine & pk.lost].sum()
        fees = (pk.cash * pk.fee)[mine & ~pk.lost].sum()
        assert deposits[case] == pytest.approx(cash_in - losses, abs=0.01)
        # cash in = pesos out + fees + losses (pesos in USD at the day's rate, rounded to centavos)
        assert cash_in == pytest.approx(pesos[case] + fees + losses, rel=1e-6)
    assert pk.lost.sum() < 0.2 * len(pk.lost)


def test_mirror_legs_match_and_are_near_simultaneous(laundered: tuple[Dataset, Plan]) -> None:
    ds, _ = laundered
    rows = ds.fetchall(f"""
        WITH g AS (SELECT t.case_id, t.d,
            sum(t.amount_paid) FILTER (WHERE typ IN ('F3','F4')) usd_in,
            min(epoch(t.ts)) FILTER (WHERE typ IN ('F3','F4')) first_dep,
            sum(t.amount_paid) FILTER (WHERE typ = 'C1' AND cur = 'USD') usd_sold,
            sum(t.amount_paid) FILTER (WHERE typ = 'C1' AND cur = 'MXN' AND CAST(p.role AS VARCHAR) = 'cartel') mxn,
            min(epoch(t.ts)) FILTER (WHERE typ = 'C1' AND cur = 'MXN' AND CAST(p.role AS VARCHAR) = 'cartel') paid,
            count(*) FILTER (WHERE typ = 'C1' AND cur = 'MXN' AND CAST(p.role AS VARCHAR) = 'cartel') n_paid
          FROM ({LEG}) t JOIN accounts a ON a.account_id = t.dst_account JOIN party_labels p USING (party_id)
          GROUP BY 1, 2)
        SELECT g.*, f.usd_per_unit FROM g JOIN fx_rates f ON f.date = g.d AND f.currency = 'MXN'""")
    assert len(rows) > 10
    for _case, _d, usd_in, first_dep, usd_sold, mxn, paid, n_paid, usd_per_mxn in rows:
        assert usd_sold == pytest.approx(usd_in, abs=0.01)
        ratio = mxn * usd_per_mxn / usd_in  # = 1 - fee (a day may mix pick-ups with different fees)
        assert 0.95 - 1e-4 <= ratio <= 0.98 + 1e-4
        if n_paid == 1:
            assert abs(paid - first_dep) <= 6 * 3600


def test_fee_stays_with_the_broker_in_yuan(laundered: tuple[Dataset, Plan]) -> None:
    ds, plan = laundered
    cny_in, cny_out = ds.fetchone(f"""SELECT sum(amount_paid) FILTER (WHERE CAST(p.role AS VARCHAR) = 'money_broker'),
        sum(amount_paid) FILTER (WHERE CAST(p.role AS VARCHAR) = 'peso_buyer')
        FROM ({LEG}) t JOIN accounts a ON a.account_id = t.dst_account JOIN party_labels p USING (party_id)
        WHERE cur = 'CNY'""")
    pk = plan.pickups
    fee_share = (pk.cash * pk.fee)[~pk.lost].sum() / pk.cash[~pk.lost].sum()
    assert (cny_in - cny_out) / cny_in == pytest.approx(fee_share, rel=0.02)


def test_plan_and_days_are_deterministic(laundered: tuple[Dataset, Plan]) -> None:
    _, plan = laundered
    sc = _scenario()
    ctx = build_context(sc, SEED, build_population(sc, SEED))
    ctx.cash_proceeds = laundered[0].arrow("cash_proceeds")
    again = build_plan(ctx)
    for f in ("day", "city", "case", "network", "cash", "lost", "fee", "mule"):
        assert np.array_equal(getattr(plan.pickups, f), getattr(again.pickups, f))
    assert plan.parties.equals(again.parties) and plan.accounts.equals(again.accounts)
    d = int(plan.pickups.day[~plan.pickups.lost][0])
    out = []
    for _ in range(2):
        rows = TxnRows()
        mirror.generate(ctx, day(sc.start_date, d), DayStreams(SEED).get("laundering", d), rows)
        out.append(rows.arrays())
    assert out[0]["ts"].size > 0
    assert all(np.array_equal(out[0][k], out[1][k]) for k in out[0])


def test_illicit_share_is_small_on_the_automatic_scale(year: Dataset) -> None:
    n, illicit = year.fetchone("SELECT count(*), count(*) FILTER (WHERE is_illicit) FROM transaction_labels")
    assert 0.001 <= illicit / n <= 0.01


def test_knobs_are_checked_and_the_twin_can_be_switched_off(tmp_path: Path) -> None:
    with pytest.raises(pydantic.ValidationError):
        Laundering(fee_min=0.06, fee_max=0.05)
    with pytest.raises(pydantic.ValidationError):
        Laundering(brokerz=3)
    assert Laundering().scale(10_000) == pytest.approx(0.005)
    sc = parse_scenario("name: no-laundering\ndays: 3\npopulation: {persons: 100, businesses: 40}\n"
                        "laundering: {enabled: false}")
    ds = open_dataset(simulate(sc, 1, tmp_path / "ds").path)
    assert ds.fetchone("SELECT count(*) FILTER (WHERE is_illicit) FROM transaction_labels")[0] == 0
