"""Trade-based laundering: fronts, mis-invoiced and contradicting shipments, the money's path to pesos."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest

from counterflow.dataset.reader import Dataset
from counterflow.render.economy.context import build_context
from counterflow.render.laundering import trade
from counterflow.render.population import build_population
from counterflow.scenario import parse_scenario
from counterflow.scenario.laundering_trade import TradeLaundering
from counterflow.world.goods import GOODS
from counterflow.world.industries import industry
from tests.conftest import TRADE_SCENARIO

SEED = 7
LEG = """SELECT t.*, CAST(t.currency_paid AS VARCHAR) cur, CAST(t.currency_received AS VARCHAR) cur_r,
                CAST(l.typology AS VARCHAR) typ, l.case_id, CAST(t.ts AS DATE) d
         FROM transactions t JOIN transaction_labels l USING (txn_id) WHERE l.is_illicit"""
# TBML shipments: exported by the goods suppliers or the Hong Kong shell companies.
TBML = """SELECT s.*, CAST(l.typology AS VARCHAR) typ, l.case_id FROM shipments s JOIN shipment_labels l
          USING (shipment_id) JOIN party_labels p ON p.party_id = s.exporter_id
          WHERE CAST(p.role AS VARCHAR) IN ('goods_supplier', 'shell_company')"""


@pytest.fixture(scope="module")
def tplan(trade_world: Dataset) -> trade.TradePlan:
    sc = parse_scenario(TRADE_SCENARIO)
    ctx = build_context(sc, SEED, build_population(sc, SEED))
    ctx.cash_proceeds = trade_world.arrow("cash_proceeds")
    return trade.build_plan(ctx)


def test_every_typology_appears_with_its_parties(trade_world: Dataset, tplan: trade.TradePlan) -> None:
    ds = trade_world
    typ = dict(ds.fetchall(f"SELECT typ, count(*) FROM ({LEG}) GROUP BY 1"))
    assert {"C6", "C7", "C8", "T1", "T2", "T3", "T4", "T5"} <= set(typ)
    ship = dict(ds.fetchall(f"SELECT typ, count(*) FROM ({TBML}) GROUP BY 1"))
    assert set(ship) == {"T1", "T2", "T3", "T4", "T5"}
    assert ds.fetchone(f"SELECT count(*) FROM ({TBML}) WHERE NOT shipment_id IN "
                       "(SELECT shipment_id FROM shipment_labels WHERE is_illicit)")[0] == 0
    roles = {(r, t) for r, t in ds.fetchall("""SELECT DISTINCT CAST(role AS VARCHAR), CAST(typology AS VARCHAR)
                                               FROM party_labels WHERE is_illicit""")}
    assert {("front_company", "F5"), ("importer", "T2"), ("goods_supplier", "T1"), ("shell_company", "C8"),
            ("money_broker", "C8"), ("mule", "T5")} <= roles
    # Every account an illicit trade or supplier-payment row touches belongs to a party labeled
    # illicit in the row's case. (The mirror's later spends and card purchases reach legitimate
    # payees by design: C1, C4, C5, checked in test_laundering.py.)
    bad = ds.fetchone(f"""SELECT count(*) FROM ({LEG}) t JOIN accounts a ON a.account_id IN (t.src_account,
        t.dst_account) JOIN party_labels p USING (party_id)
        WHERE (NOT p.is_illicit OR p.case_id <> t.case_id) AND t.typ NOT IN ('C1', 'C4', 'C5')""")[0]
    assert bad == 0
    assert ds.fetchone(f"SELECT count(*) FROM ({LEG}) WHERE case_id NOT BETWEEN 3001 AND 3004 OR typ IS NULL")[0] == 0
    assert len(tplan.orders["case"]) > 20


def test_fronts_and_the_hong_kong_company_look_like_shells(trade_world: Dataset) -> None:
    rows = trade_world.fetchall("""SELECT p.name, p.industry_code, len(p.trade_names), p.has_website, p.address,
        p.country FROM parties p JOIN party_labels l USING (party_id)
        WHERE CAST(l.role AS VARCHAR) IN ('front_company', 'shell_company') AND CAST(l.typology AS VARCHAR) IN
        ('F5', 'C8')""")
    assert {c for *_, c in rows} == {"US", "HK"}
    for name, code, n_names, website, address, _ in rows:
        # The name says electronics or clothing trading; the registered industry is another one.
        assert not any(w in name for w in industry(code).name_words)
        assert any(w in name for c in trade._FRONT_NAME for w in industry(c).name_words)
        assert n_names >= 3 and website is False and "Apt " in address


def test_money_is_conserved_per_order(trade_world: Dataset, tplan: trade.TradePlan) -> None:
    o = tplan.orders
    # cash = lost + goods + excess kept by the supplier + Hong Kong outflows; goods = discount +
    # importer's margin + pesos to the cartel.
    out = o["lost"] + o["goods"] + o["kept"] + o["hk_people"] + o["hk_front"]
    assert np.allclose(o["cash"], out, atol=0.011)
    assert np.allclose(o["goods"], o["discount"] + o["margin"] + o["pesos"], atol=0.011)
    live = o["lost"] == 0
    assert (o["goods"][live] < o["cash"][live] + 0.01).all() and (o["pesos"][live] > 0.7 * o["goods"][live]).all()
    # What the dataset shows: every deposit of an order inside the window, and the pesos paid to the
    # cartel (USD at the day's rate) for every order finished inside it.
    ds, days = trade_world, parse_scenario(TRADE_SCENARIO).days
    dep = dict(ds.fetchall(f"""SELECT case_id, sum(amount_paid) FROM ({LEG}) WHERE typ = 'C6'
                              OR (typ = 'F3' AND dst_account IN (SELECT src_account FROM ({LEG}) WHERE typ = 'T5'))
                              GROUP BY 1"""))
    pesos = dict(ds.fetchall(f"""SELECT t.case_id, sum(t.amount_paid * f.usd_per_unit) FROM ({LEG}) t
        JOIN accounts a ON a.account_id = t.dst_account JOIN party_labels p USING (party_id)
        JOIN fx_rates f ON f.date = t.d AND f.currency = t.cur
        WHERE CAST(p.role AS VARCHAR) = 'cartel' AND typ = 'T5' GROUP BY 1"""))
    for case in (3001, 3002):
        mine = (o["case"] == case) & live
        assert dep[case] == pytest.approx(o["cash"][mine & (o["day"] < days)].sum(), abs=0.01)
        done = mine & (o["done_day"] < days)
        assert done.sum() > 0
        assert pesos[case] == pytest.approx(o["pesos"][done].sum(), rel=1e-6)


def test_misinvoiced_lots_leave_the_price_band(trade_world: Dataset, tplan: trade.TradePlan) -> None:
    sigma = {g.hs_code: g.price_sigma for g in GOODS}
    typical = {g.hs_code: g.price_usd for g in GOODS}

    def dev(hs: str, value: float, qty: float) -> float:
        return abs(np.log(value / qty / typical[hs])) / sigma[hs]

    o = tplan.orders
    kind = {int(s): k for s, k in zip(o["shipment"], o["invoice"]) if s >= 0}
    rows = trade_world.fetchall(f"SELECT shipment_id, hs_code, declared_value, quantity FROM ({TBML})")
    assert {kind[s] for s, *_ in rows} == {"over", "under", "honest"}
    for sid, hs, value, qty in rows:
        if kind[sid] == "honest":
            assert dev(hs, value, qty) < 2
        else:
            assert dev(hs, value, qty) > 2
    # Honest lots leave the band too, but rarely (closeouts and premium lots, economy.trade.OFF_PRICE).
    legit = trade_world.fetchall("""SELECT hs_code, declared_value, quantity FROM shipments JOIN shipment_labels
                                    USING (shipment_id) WHERE NOT is_illicit""")
    assert len(legit) > 20 and np.mean([dev(*r) > 2 for r in legit]) < 0.06


def test_only_laundering_documents_contradict_beyond_honest_differences(trade_world: Dataset) -> None:
    # Honest papers differ by a short shipment (2-10% fewer on the bill of lading) and the CIF
    # uplift of Mexican customs (at most 15%), so honest quantities keep >= 0.9 of the largest and
    # values >= 0.9 / 1.15; a T3 paper changes the goods, cuts the quantity to 50-80% or the
    # customs value to a third to two thirds.
    rows = trade_world.fetchall("""SELECT d.shipment_id, CAST(l.typology AS VARCHAR), l.is_illicit,
        count(DISTINCT d.hs_code) > 1 OR min(d.quantity) < 0.85 * max(d.quantity)
        OR min(d.declared_value) < 0.7 * max(d.declared_value)
        FROM trade_documents d JOIN shipment_labels l USING (shipment_id) GROUP BY 1, 2, 3""")
    contradicting = [(t, i) for _, t, i, c in rows if c]
    assert len(contradicting) >= 3 and all(t == "T3" and i for t, i in contradicting)
    # Honest papers that differ at all exist (CIF customs values, short shipments).
    differ = trade_world.fetchone("""SELECT count(*) FROM (SELECT shipment_id FROM trade_documents
        JOIN shipment_labels l USING (shipment_id) WHERE NOT l.is_illicit GROUP BY 1
        HAVING count(DISTINCT declared_value) > 1)""")[0]
    assert differ > 0
def test_goods_outside_the_line_and_routes_through_hong_kong(trade_world: Dataset) -> None:
    sector = {g.hs_code: g.sector for g in GOODS}
    line = dict(trade.IMPORTER_LINE)
    rows = trade_world.fetchall(f"""SELECT s.hs_code, p.industry_code, s.typ, s.transship_port_id IS NOT NULL,
        CAST(l.role AS VARCHAR) FROM ({TBML}) s JOIN parties p ON p.party_id = s.importer_id
        JOIN party_labels l ON l.party_id = s.exporter_id""")
    off = [t for hs, code, t, _, _ in rows if sector[hs] != line[code]]
    assert off and "T2" in off
    # The Hong Kong company's shipments (and only those) pass through Hong Kong.
    assert all(hk == (role == "shell_company") for *_, hk, role in rows)
    # Legitimate importers buy within their line: goods outside it are a laundering trait here.
    assert trade_world.fetchone("""SELECT count(*) FROM shipments s JOIN shipment_labels l USING (shipment_id)
        JOIN parties p ON p.party_id = s.importer_id WHERE NOT l.is_illicit AND p.industry_code = '424350'
        AND s.hs_code NOT IN ('6109.10', '6203.42')""")[0] == 0


def test_plan_is_deterministic(trade_world: Dataset, tplan: trade.TradePlan) -> None:
    sc = parse_scenario(TRADE_SCENARIO)
    ctx = build_context(sc, SEED, build_population(sc, SEED))
    ctx.cash_proceeds = trade_world.arrow("cash_proceeds")
    again = trade.build_plan(ctx)
    for name in ("parties", "labels", "accounts", "shipments", "shipment_labels", "documents"):
        assert getattr(again, name).equals(getattr(tplan, name))
    assert all(np.array_equal(again.legs.arrays[k], tplan.legs.arrays[k]) for k in tplan.legs.arrays)


def test_knobs_are_checked() -> None:
    with pytest.raises(pydantic.ValidationError):
        TradeLaundering(discount_min=0.2, discount_max=0.1)
    with pytest.raises(pydantic.ValidationError):
        TradeLaundering(over_invoice_rate=0.7, under_invoice_rate=0.4)
    with pytest.raises(pydantic.ValidationError):
        TradeLaundering(misinvoice_sigmas_min=1.0)
    with pytest.raises(pydantic.ValidationError):
        TradeLaundering(orders=3)


def test_legitimate_traders_look_like_the_fronts(trade_world: Dataset) -> None:
    # Home-based US traders with shell traits, selling Chinese goods to Mexican importers at
    # typical prices and paid from Mexico: legitimate, so shell traits alone do not separate fronts.
    rows = trade_world.fetchall("""SELECT p.party_id, count(DISTINCT s.shipment_id), count(DISTINCT t.txn_id)
        FROM parties p JOIN party_labels l USING (party_id)
        JOIN shipments s ON s.exporter_id = p.party_id AND s.origin_country = 'CN' AND s.dest_country = 'MX'
        JOIN accounts a ON a.party_id = p.party_id
        JOIN transactions t ON t.dst_account = a.account_id AND t.shipment_id = s.shipment_id
        WHERE NOT l.is_illicit AND p.country = 'US' AND len(p.trade_names) >= 3 AND NOT p.has_website
          AND p.address LIKE '%Apt %' GROUP BY 1""")
    assert len(rows) >= 2 and all(n_ship >= 1 and n_pay >= 1 for _, n_ship, n_pay in rows)
