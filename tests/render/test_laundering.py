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
from counterflow.render.laundering.network import BULK, CMLN, FIELDS, OWN, Plan, build_plan
from counterflow.render.pipeline import simulate
from counterflow.render.population import build_population
from counterflow.scenario import load_scenario, parse_scenario
from counterflow.scenario.laundering import SCALE_PER_PERSON, Laundering
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
    assert {"F3", "F4", "C1", "C2", "C3", "C4", "C5"} <= set(typ)
    # The other organisations launder too, under their own cases.
    assert ds.fetchone(f"SELECT count(*) FROM ({LEG}) WHERE typ IS NULL OR case_id NOT BETWEEN 3001 AND 3004")[0] == 0
    assert {c for (c,) in ds.fetchall(f"SELECT DISTINCT case_id FROM ({LEG})")} >= {3001, 3002, 3003}
    roles = dict(ds.fetchall("""SELECT CAST(role AS VARCHAR), count(*) FROM party_labels
                                WHERE is_illicit AND case_id IN (3001, 3002) GROUP BY 1"""))
    assert {"money_broker", "broker_courier", "mule", "dollar_buyer", "peso_buyer", "cartel",
            "funnel_account"} <= set(roles)
    # Mules are real persons of the targeted occupations, and they keep their ordinary activity.
    occ = {o for (o,) in ds.fetchall("""SELECT DISTINCT p.occupation FROM parties p JOIN party_labels l
                                        USING (party_id)
                                        WHERE CAST(l.role AS VARCHAR) = 'mule'
                                        AND CAST(l.typology AS VARCHAR) = 'C2'""")}
    assert occ and occ <= {"student", "homemaker", "retiree", "laborer"}
    legit = ds.fetchone("""SELECT count(*) FROM transactions t JOIN transaction_labels l USING (txn_id)
        JOIN accounts a ON a.account_id = t.dst_account JOIN party_labels p USING (party_id)
        WHERE CAST(p.role AS VARCHAR) = 'mule' AND NOT l.is_illicit""")[0]
    assert legit > 0
    # Every account the illicit legs touch belongs to a party labeled illicit in the same case, except
    # the legitimate payees of later spends and the shops of card purchases.
    spends = "('card_purchase', 'cashier_check', 'tuition', 'payroll')"
    bad = ds.fetchone(f"""SELECT count(*) FROM ({LEG}) t JOIN accounts a ON a.account_id IN (t.src_account,
        t.dst_account) JOIN party_labels p USING (party_id) WHERE (NOT p.is_illicit OR p.case_id <> t.case_id)
        AND NOT (a.account_id = t.dst_account AND (CAST(t.txn_type AS VARCHAR) IN {spends}
                 OR (CAST(t.txn_type AS VARCHAR) = 'transfer' AND t.d > CAST(t.ts AS DATE) - 1 AND NOT p.is_illicit
                     AND t.src_account IN (SELECT account_id FROM accounts JOIN party_labels USING (party_id)
                                           WHERE CAST(role AS VARCHAR) IN ('cartel', 'money_broker')))))""")[0]
    assert bad == 0
    # Spends go to real businesses of the population: property, builders, universities, shops.
    kinds = {k for (k,) in ds.fetchall(f"SELECT DISTINCT CAST(txn_type AS VARCHAR) FROM ({LEG})")}
    assert {"cashier_check", "card_payment", "card_purchase", "transfer", "cash_withdrawal"} <= kinds


def test_structured_deposits_stay_below_the_threshold(laundered: tuple[Dataset, Plan]) -> None:
    ds, _ = laundered
    amounts = np.array([a for (a,) in ds.fetchall(f"""SELECT amount_paid FROM ({LEG}) t JOIN places p ON
        p.place_id = t.location_id WHERE typ IN ('F3', 'F4') AND p.country = 'US'
        AND CAST(t.txn_type AS VARCHAR) = 'cash_deposit'""")])
    assert len(amounts) > 20 and amounts.max() < 10_000 and amounts.min() > 1_000
    # Funnel deposits land in one account from branches in several states.
    states = ds.fetchone(f"""SELECT max(n) FROM (SELECT dst_account, count(DISTINCT p.state) n FROM ({LEG}) t
                             JOIN places p ON p.place_id = t.location_id WHERE typ = 'F4' GROUP BY 1)""")[0]
    assert states >= 3


def test_money_is_conserved_per_case(laundered: tuple[Dataset, Plan]) -> None:
    ds, plan = laundered
    pk = plan.pickups
    days = _scenario().days
    deposits = dict(ds.fetchall(f"""SELECT case_id, sum(amount_paid) FROM ({LEG}) t JOIN places p
        ON p.place_id = t.location_id WHERE typ IN ('F3','F4') AND CAST(t.txn_type AS VARCHAR) = 'cash_deposit'
        AND p.country = 'US' GROUP BY 1"""))
    # The cartel's pesos (from the broker's peso pool), its USDT and the bulk cash banked in Mexico, in USD.
    out = dict(ds.fetchall(f"""SELECT t.case_id, sum(t.amount_paid * f.usd_per_unit) FROM ({LEG}) t
        JOIN accounts a ON a.account_id = t.dst_account JOIN party_labels p USING (party_id)
        JOIN accounts sa ON sa.account_id = t.src_account JOIN party_labels sp ON sp.party_id = sa.party_id
        JOIN fx_rates f ON f.date = t.d AND f.currency = t.cur
        WHERE CAST(p.role AS VARCHAR) = 'cartel' AND CAST(sp.role AS VARCHAR) = 'money_broker' GROUP BY 1"""))
    bulk = dict(ds.fetchall(f"""SELECT case_id, sum(amount_paid) FROM ({LEG}) t JOIN places p
        ON p.place_id = t.location_id WHERE CAST(t.txn_type AS VARCHAR) = 'cash_deposit' AND p.country = 'MX'
        GROUP BY 1"""))
    assert {3001, 3002} <= set(out) and set(bulk) <= {3001, 3002}
    for case in (3001, 3002):
        mine = (pk.case == case) & np.isin(pk.channel, [CMLN, BULK])
        cash_in = pk.cash[mine].sum()
        losses = pk.cash[mine & pk.lost].sum()
        cmln = mine & ~pk.lost & (pk.channel == CMLN)
        fees = (pk.cash * pk.fee)[cmln].sum()
        in_transit = pk.cash[mine & ~pk.lost & (pk.channel == BULK) & (pk.out_day >= days)].sum()
        assert deposits[case] == pytest.approx(pk.cash[cmln].sum(), abs=0.01)
        # cash in = pesos (or USDT) out + bulk banked in Mexico + fees + losses (+ bulk still on the road)
        assert cash_in == pytest.approx(out[case] + bulk.get(case, 0) + fees + losses + in_transit, rel=1e-6)
    assert pk.lost.sum() < 0.2 * len(pk.lost)
    assert (pk.channel == BULK).any()


def test_own_channel_sends_its_deposits_south(laundered: tuple[Dataset, Plan]) -> None:
    ds, plan = laundered
    pk = plan.pickups
    days = _scenario().days
    rows = dict(((c, k), v) for c, k, v in ds.fetchall(f"""SELECT case_id, CAST(txn_type AS VARCHAR), sum(amount_paid)
        FROM ({LEG}) WHERE case_id IN (3003, 3004) GROUP BY 1, 2"""))
    for case in {c for c, _ in rows}:
        mine = (pk.case == case) & (pk.channel == OWN) & ~pk.lost
        assert rows[case, "cash_deposit"] == pytest.approx(pk.cash[mine].sum(), abs=0.01)
        sent = rows.get((case, "transfer"), 0) + rows.get((case, "cash_withdrawal"), 0)
        assert sent == pytest.approx(pk.cash[mine & (pk.out_day < days)].sum(), abs=0.01)
        assert (pk.out_day[mine] > pk.day[mine]).all()  # days later, not on the pick-up's day
    # Withdrawals happen in border cities.
    cities = {n for (n,) in ds.fetchall(f"""SELECT DISTINCT p.name FROM ({LEG}) t JOIN places p ON p.place_id =
        t.location_id WHERE CAST(t.txn_type AS VARCHAR) = 'cash_withdrawal'""")}
    assert cities and cities <= {"San Diego", "El Paso", "Nogales", "Laredo", "Tucson"}


def test_pass_through_and_card_pay_offs(laundered: tuple[Dataset, Plan]) -> None:
    ds, _ = laundered
    # A pass-through account: as much out as in, the same day.
    rows = ds.fetchall(f"""SELECT a.account_id, t.d, sum(t.amount_paid) FILTER (WHERE t.dst_account = a.account_id),
        sum(t.amount_paid) FILTER (WHERE t.src_account = a.account_id) FROM ({LEG}) t JOIN accounts a
        ON a.account_id IN (t.src_account, t.dst_account) JOIN party_labels p USING (party_id)
        WHERE CAST(p.role AS VARCHAR) = 'funnel_account' AND t.typ = 'C3' GROUP BY 1, 2""")
    assert rows and all(i == pytest.approx(o, abs=0.01) for _, _, i, o in rows)
    # Card pay-offs: third parties pay many people's cards, who then buy electronics and luxury goods.
    payers, holders = ds.fetchone(f"""SELECT count(DISTINCT src_account), count(DISTINCT dst_account) FROM ({LEG})
        WHERE CAST(txn_type AS VARCHAR) = 'card_payment'""")
    assert holders > payers >= 1
    paid, bought = ds.fetchone(f"""SELECT sum(amount_paid) FILTER (WHERE CAST(txn_type AS VARCHAR) = 'card_payment'),
        sum(amount_paid) FILTER (WHERE CAST(txn_type AS VARCHAR) = 'card_purchase') FROM ({LEG}) WHERE typ = 'C5'""")
    assert 0.5 * paid < bought <= paid
    # Cashier's checks go to real-estate payees.
    ind = {i for (i,) in ds.fetchall(f"""SELECT DISTINCT p.industry_code FROM ({LEG}) t JOIN accounts a
        ON a.account_id = t.dst_account JOIN parties p USING (party_id) WHERE t.typ = 'C4'""")}
    assert ind == {"531110"}


def test_later_spends_stay_within_what_reached_the_account(laundered: tuple[Dataset, Plan]) -> None:
    ds, _ = laundered
    # Per account and currency: labeled spends out never exceed the laundered money in.
    rows = ds.fetchall(f"""WITH legs AS (SELECT * FROM ({LEG})),
        i AS (SELECT dst_account acct, cur, sum(amount_received) v FROM legs GROUP BY 1, 2),
        o AS (SELECT src_account acct, cur, sum(amount_paid) v FROM legs WHERE CAST(txn_type AS VARCHAR) IN
              ('cashier_check', 'card_purchase') OR (CAST(txn_type AS VARCHAR) = 'transfer' AND typ = 'C1'
              AND cur IN ('MXN', 'CNY') AND src_account IN (SELECT dst_account FROM legs WHERE typ = 'C1'
              AND cur = 'MXN' AND CAST(txn_type AS VARCHAR) = 'transfer')) GROUP BY 1, 2)
        SELECT o.acct, o.v, coalesce(i.v, 0) FROM o LEFT JOIN i USING (acct, cur)""")
    assert rows
    for _acct, out, got in rows:
        assert out <= got + 0.01


def test_mirror_legs_match_and_are_near_simultaneous(laundered: tuple[Dataset, Plan]) -> None:
    ds, _ = laundered
    to_cartel = ("typ = 'C1' AND cur = 'MXN' AND CAST(p.role AS VARCHAR) = 'cartel'"
                 " AND CAST(t.txn_type AS VARCHAR) = 'transfer' AND t.src_account IN (SELECT account_id FROM accounts"
                 " JOIN party_labels USING (party_id) WHERE CAST(role AS VARCHAR) = 'money_broker')")
    rows = ds.fetchall(f"""
        WITH g AS (SELECT t.case_id, t.d,
            sum(t.amount_paid) FILTER (WHERE typ IN ('F3','F4') AND pl.country = 'US') usd_in,
            min(epoch(t.ts)) FILTER (WHERE typ IN ('F3','F4') AND pl.country = 'US') first_dep,
            sum(t.amount_paid) FILTER (WHERE typ IN ('C1', 'C3', 'C5') AND cur = 'USD'
                AND CAST(t.txn_type AS VARCHAR) IN ('transfer', 'card_payment', 'crypto_purchase')
                AND CAST(p.role AS VARCHAR) <> 'funnel_account') usd_sold,
            sum(t.amount_paid) FILTER (WHERE {to_cartel}) mxn,
            min(epoch(t.ts)) FILTER (WHERE {to_cartel}) paid,
            count(*) FILTER (WHERE {to_cartel}) n_paid
          FROM ({LEG}) t LEFT JOIN accounts a ON a.account_id = t.dst_account LEFT JOIN party_labels p USING (party_id)
          LEFT JOIN places pl ON pl.place_id = t.location_id WHERE t.case_id IN (3001, 3002)
          GROUP BY 1, 2 HAVING usd_in > 0)
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
    ok = ~pk.lost & (pk.channel == CMLN)
    fee_share = (pk.cash * pk.fee)[ok].sum() / pk.cash[ok].sum()
    assert (cny_in - cny_out) / cny_in == pytest.approx(fee_share, rel=0.02)


def test_plan_and_days_are_deterministic(laundered: tuple[Dataset, Plan]) -> None:
    _, plan = laundered
    sc = _scenario()
    ctx = build_context(sc, SEED, build_population(sc, SEED))
    ctx.cash_proceeds = laundered[0].arrow("cash_proceeds")
    again = build_plan(ctx)
    for f in FIELDS + ("dep_acct", "pay_acct", "pay_usd", "via"):
        assert np.array_equal(getattr(plan.pickups, f), getattr(again.pickups, f))
    assert plan.parties.equals(again.parties) and plan.accounts.equals(again.accounts)
    assert all(np.array_equal(plan.legs.cols[k], again.legs.cols[k]) for k in plan.legs.cols)
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
    assert Laundering().scale(10_000) == pytest.approx(10_000 * SCALE_PER_PERSON)
    assert Laundering().scale(10**8) == 1.0 and Laundering(cash_scale=0.2).scale(10_000) == 0.2
    sc = parse_scenario("name: no-laundering\ndays: 3\npopulation: {persons: 100, businesses: 40}\n"
                        "laundering: {enabled: false}")
    ds = open_dataset(simulate(sc, 1, tmp_path / "ds").path)
    assert ds.fetchone("SELECT count(*) FILTER (WHERE is_illicit) FROM transaction_labels")[0] == 0
