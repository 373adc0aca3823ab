"""Realism of the legitimate economy: calendar, amounts, degrees, names, trade documents."""

from __future__ import annotations

import numpy as np

from counterflow.dataset.reader import Dataset
from counterflow.world.industries import INDUSTRY_CODES

USD_AMOUNT = """
SELECT t.*, CAST(t.txn_type AS VARCHAR) AS kind, t.amount_paid * f.usd_per_unit AS usd
FROM transactions t JOIN fx_rates f
  ON f.date = CAST(t.ts AS DATE) AND f.currency = CAST(t.currency_paid AS VARCHAR)
"""


def _col(ds: Dataset, q: str) -> np.ndarray:
    return np.array([r[0] for r in ds.fetchall(q)])


def test_payroll_is_periodic_and_on_business_days(year: Dataset) -> None:
    gaps = _col(
        year,
        """
        WITH p AS (SELECT dst_account, CAST(ts AS DATE) d FROM transactions
                   WHERE CAST(txn_type AS VARCHAR) = 'payroll')
        SELECT d - lag(d) OVER (PARTITION BY dst_account ORDER BY d) FROM p""",
    )
    gaps = gaps[gaps != None].astype(int)  # noqa: E711 - first pay of each account has no gap
    assert len(gaps) > 5000
    assert gaps.min() >= 12 and gaps.max() <= 35  # biweekly, semimonthly or monthly
    assert (gaps == 14).mean() > 0.25  # biweekly is the most common US schedule
    weekend = year.fetchone("""SELECT count(*) FROM transactions WHERE CAST(txn_type AS VARCHAR)='payroll'
                               AND dayofweek(ts) IN (0, 6)""")[0]
    assert weekend == 0
    night = year.fetchone("""SELECT avg(CASE WHEN hour(ts) < 8 OR hour(ts) >= 22 THEN 1 ELSE 0 END)
                             FROM transactions WHERE CAST(txn_type AS VARCHAR)='payroll'""")[0]
    assert night > 0.9  # ACH batches post overnight


def test_amounts_by_type_are_in_realistic_ranges(year: Dataset) -> None:
    med = dict(year.fetchall(f"SELECT kind, median(usd) FROM ({USD_AMOUNT}) GROUP BY kind"))
    assert 10 <= med["card_purchase"] <= 80
    assert 500 <= med["rent"] <= 2500
    assert 60 <= med["bill"] <= 200
    assert 250 <= med["remittance"] <= 1200
    assert 14_000 <= med["tuition"] <= 36_500  # paid in yuan, worth 14-36k USD plus the bank spread
    us_atm = _col(
        year,
        """SELECT amount_paid FROM transactions JOIN transaction_labels USING (txn_id)
           WHERE CAST(txn_type AS VARCHAR)='cash_withdrawal' AND CAST(currency_paid AS VARCHAR)='USD'
           AND NOT is_illicit""",  # the laundering twin's branch withdrawals are not ATM notes
    )
    assert len(us_atm) > 1000 and np.all(us_atm % 20 == 0)
    tuition = _col(year, """SELECT amount_received FROM transactions WHERE CAST(txn_type AS VARCHAR)='tuition'""")
    assert len(tuition) > 0 and tuition.min() >= 14_000 and tuition.max() <= 36_000
    neg = year.fetchone("SELECT count(*) FROM transactions WHERE amount_paid <= 0 OR amount_received <= 0")[0]
    assert neg == 0


def test_degree_distribution_is_heavy_tailed(year: Dataset) -> None:
    deg = _col(
        year,
        """SELECT count(DISTINCT src_account) FROM transactions
                        WHERE dst_account IS NOT NULL GROUP BY dst_account""",
    )
    top = np.sort(deg)[::-1]
    assert top[0] / np.median(deg) > 50  # a Poisson graph would give a ratio of 2-3
    assert top[: max(1, len(top) // 100)].sum() / top.sum() > 0.15  # top 1% hold >15% of edges


def test_hours_weekdays_and_seasons(year: Dataset) -> None:
    hours = dict(
        year.fetchall("""SELECT hour(ts), count(*) FROM transactions
                                  WHERE CAST(txn_type AS VARCHAR)='card_purchase' GROUP BY 1""")
    )
    total = sum(hours.values())
    assert sum(hours.get(h, 0) for h in range(0, 6)) / total < 0.05
    assert 11 <= max(hours, key=hours.get) <= 20
    office = year.fetchone("""SELECT count(*) FROM transactions WHERE CAST(txn_type AS VARCHAR)
                              IN ('b2b_payment', 'trade_payment', 'tuition') AND dayofweek(ts) IN (0, 6)""")[0]
    assert office == 0
    per_day = dict(
        year.fetchall("""SELECT month(ts), count(*) / count(DISTINCT CAST(ts AS DATE))
                                    FROM transactions WHERE CAST(txn_type AS VARCHAR)='card_purchase' GROUP BY 1""")
    )
    assert per_day[12] > 1.2 * per_day[2]  # holiday shopping
    sat, mon = year.fetchone("""SELECT count(*) FILTER (WHERE dayofweek(ts) = 6) / 52.0,
                                       count(*) FILTER (WHERE dayofweek(ts) = 1) / 52.0
                                FROM transactions WHERE CAST(txn_type AS VARCHAR)='card_purchase'""")
    assert sat > 1.15 * mon


def test_names_fit_nationality(year: Dataset) -> None:
    rows = year.fetchall("""SELECT nationality, name, given_name, family_name FROM parties
                            WHERE kind = 'person'""")
    by = {}
    for nat, name, given, family in rows:
        by.setdefault(nat, []).append((name, given, family))
    assert all(n == f"{f} {g}" for n, g, f in by["CN"])  # family name first
    assert all(n == f"{g} {f}" for n, g, f in by["US"])
    assert all(len(f.split()) == 2 for _, _, f in by["MX"])  # paternal and maternal surnames
    assert all(n.isascii() for n, _, _ in by["CN"])  # pinyin


def test_parties_and_accounts_are_consistent(year: Dataset) -> None:
    bad_industry = year.fetchall("SELECT DISTINCT industry_code FROM parties WHERE kind='business'")
    assert {c for (c,) in bad_industry} <= set(INDUSTRY_CODES)
    assert year.fetchone("SELECT count(*) FROM parties WHERE kind='business' AND tax_id IS NULL")[0] == 0
    too_young = year.fetchone("""SELECT count(*) FROM parties WHERE kind='person'
                                 AND birth_date > DATE '2024-01-01' - INTERVAL 16 YEAR""")[0]
    assert too_young == 0
    # Bank accounts are in the holder's country (crypto wallets and USD accounts aside), except the
    # account at home that some foreign nationals keep (and a few illicit parties' accounts abroad).
    foreign, home, others = year.fetchone("""SELECT count(*), count(*) FILTER (WHERE b.country = p.nationality
                                   AND p.nationality <> p.country),
                               count(*) FILTER (WHERE b.country <> p.nationality AND NOT l.is_illicit)
                               FROM accounts a JOIN parties p USING (party_id) JOIN party_labels l USING (party_id)
                               JOIN banks b USING (bank_id)
                               WHERE a.account_type IN ('checking','savings','business')
                               AND b.country <> p.country""")
    assert others == 0 and home > 0 and foreign < 1.5 * home


def test_cross_border_amounts_follow_the_exchange_rate(year: Dataset) -> None:
    ratio = _col(
        year,
        """
        SELECT (t.amount_received * fr.usd_per_unit) / (t.amount_paid * fp.usd_per_unit)
        FROM transactions t
        JOIN fx_rates fp ON fp.date = CAST(t.ts AS DATE) AND fp.currency = CAST(t.currency_paid AS VARCHAR)
        JOIN fx_rates fr ON fr.date = CAST(t.ts AS DATE) AND fr.currency = CAST(t.currency_received AS VARCHAR)
        WHERE t.currency_paid <> t.currency_received AND t.amount_paid > 50""",
    )
    assert len(ratio) > 100
    assert np.all((ratio > 0.97) & (ratio < 1.02))  # at most a few percent of spread either way


def test_students_get_tuition_before_semesters_and_monthly_money(year: Dataset) -> None:
    months = {
        m
        for (m,) in year.fetchall("""SELECT DISTINCT month(ts) FROM transactions
                                             WHERE CAST(txn_type AS VARCHAR)='tuition'""")
    }
    assert months == {1, 8}
    per_semester = _col(
        year,
        """
        SELECT count(*) FROM transactions t JOIN accounts a ON a.account_id = t.dst_account
        WHERE CAST(t.txn_type AS VARCHAR)='tuition' GROUP BY src_account, month(ts)""",
    )
    assert set(per_semester) == {1}  # every parent pays once per semester
    per_student = _col(
        year,
        """
        SELECT count(*) FROM transactions t JOIN accounts a ON a.account_id = t.dst_account
        JOIN parties p ON p.party_id = a.party_id
        WHERE CAST(t.txn_type AS VARCHAR)='family_support' GROUP BY p.party_id""",
    )
    assert len(per_student) > 0 and np.median(per_student) == 12
    occupations = {
        o
        for (o,) in year.fetchall("""
        SELECT DISTINCT p.occupation FROM transactions t JOIN accounts a ON a.account_id = t.dst_account
        JOIN parties p ON p.party_id = a.party_id WHERE CAST(t.txn_type AS VARCHAR)='family_support'""")
    }
    assert occupations == {"student"}


def test_trade_documents_agree_and_payments_settle_shipments(year: Dataset) -> None:
    assert year.rows("shipments") > 20
    # Honest papers agree on the goods; they differ only as honest ones do (trade-based
    # laundering's contradicting papers are tested with it): a short-shipped load counts less on
    # the bill of lading and customs declaration, and customs outside the US values CIF.
    docs = """SELECT s.*, d.doc_type, d.hs_code d_hs, d.quantity d_qty, d.declared_value d_value,
                     bl.quantity bl_qty FROM trade_documents d JOIN shipments s USING (shipment_id)
              JOIN shipment_labels l USING (shipment_id)
              LEFT JOIN trade_documents bl ON bl.shipment_id = s.shipment_id AND bl.doc_type = 'bill_of_lading'
              WHERE NOT l.is_illicit"""
    bad = year.fetchone(f"""SELECT
        count(*) FILTER (WHERE d_hs <> hs_code),
        count(*) FILTER (WHERE doc_type = 'invoice' AND (d_qty <> quantity OR d_value <> declared_value)),
        count(*) FILTER (WHERE doc_type = 'bill_of_lading' AND (d_value <> declared_value
                                                               OR d_qty > quantity OR d_qty < 0.89 * quantity)),
        count(*) FILTER (WHERE doc_type = 'customs_declaration' AND bl_qty IS NOT NULL AND d_qty <> bl_qty)
        FROM ({docs})""")
    assert bad == (0, 0, 0, 0)
    short, n_bl = year.fetchone(f"""SELECT count(*) FILTER (WHERE d_qty < quantity), count(*) FROM ({docs})
                                    WHERE doc_type = 'bill_of_lading'""")
    assert 0 < short < 0.08 * n_bl  # SHORT_SHIPPED = 3%
    # CIF: customs value over the invoice value of the quantity declared, by destination and mode.
    cif = year.fetchall(f"""SELECT dest_country, mode, min(r), max(r), count(*) FROM (
        SELECT dest_country, CAST(mode AS VARCHAR) mode, d_value / (declared_value * d_qty / quantity) - 1 r
        FROM ({docs}) WHERE doc_type = 'customs_declaration') GROUP BY 1, 2""")
    bands = {"road": (0.01, 0.03), "sea": (0.04, 0.09), "air": (0.08, 0.15)}
    assert {c for c, *_ in cif} == {"US", "MX"}
    for country, mode, lo, hi, n in cif:
        want = (0.0, 0.0) if country == "US" else bands[mode]
        assert want[0] - 1e-3 <= lo <= hi <= want[1] + 1e-3, (country, mode, lo, hi, n)
    order = year.fetchone("""
        SELECT count(*) FROM shipments s
        JOIN trade_documents i ON i.shipment_id = s.shipment_id AND i.doc_type = 'invoice'
        JOIN trade_documents b ON b.shipment_id = s.shipment_id AND b.doc_type = 'bill_of_lading'
        WHERE i.issue_date > b.issue_date OR b.issue_date <> s.departure_date""")[0]
    assert order == 0
    over = year.fetchone("""
        SELECT count(*) FROM (SELECT shipment_id, sum(amount_paid) paid FROM transactions
                              WHERE shipment_id IS NOT NULL GROUP BY 1) p
        JOIN shipments s USING (shipment_id) JOIN shipment_labels l USING (shipment_id)
        WHERE p.paid > s.declared_value + 0.01 AND NOT l.is_illicit""")[0]
    assert over == 0
    chains = _col(year, """SELECT len(forwarder_ids) FROM shipments JOIN shipment_labels l USING (shipment_id)
                           WHERE NOT l.is_illicit""")
    assert chains.min() >= 1 and chains.max() <= 2  # honest loads pass one or two forwarders
    ports = dict(
        year.fetchall("""SELECT p.name, count(*) FROM shipments s JOIN places p
                                  ON p.place_id = s.dest_port_id WHERE s.dest_country = 'MX' GROUP BY 1""")
    )
    assert max(ports, key=ports.get) == "Port of Manzanillo"


def test_legitimate_rows_are_labeled_legitimate_and_illicit_rows_carry_roles(year: Dataset) -> None:
    # Illicit transactions come only from the laundering twin (cash proceeds turned into payments,
    # payments for precursors): each carries a typology and one of the CMLN cartels' cases, and they
    # stay rare.
    n_txn, n_bad_txn, n_illicit_txn = year.fetchone("""SELECT count(*),
        count(*) FILTER (WHERE is_illicit AND (typology IS NULL OR case_id NOT BETWEEN 3001 AND 3004)
                         OR NOT is_illicit AND (typology IS NOT NULL OR case_id IS NOT NULL)),
        count(*) FILTER (WHERE is_illicit) FROM transaction_labels""")
    assert n_bad_txn == 0 and 0 < n_illicit_txn < 0.01 * n_txn
    # Everything the legitimate generators made stays legitimate; the trafficking twin's rows are
    # labeled with a role, a case and (for shipments) the real goods.
    n_illicit, bad = year.fetchone("""SELECT count(*) FILTER (WHERE is_illicit),
        count(*) FILTER (WHERE is_illicit AND (case_id IS NULL OR CAST(role AS VARCHAR) = 'legitimate')
                         OR NOT is_illicit AND (case_id IS NOT NULL OR CAST(role AS VARCHAR) <> 'legitimate'))
        FROM party_labels""")
    assert n_illicit > 0 and bad == 0
    roles = {r for (r,) in year.fetchall("SELECT DISTINCT CAST(role AS VARCHAR) FROM party_labels WHERE is_illicit")}
    assert {"precursor_supplier", "chemical_broker", "freight_forwarder", "front_company"} <= roles
    bad = year.fetchone("""SELECT count(*) FROM shipment_labels l JOIN shipments s USING (shipment_id)
        WHERE (NOT l.is_illicit AND (l.actual_hs_code <> s.hs_code OR l.case_id IS NOT NULL))
           OR (l.is_illicit AND (l.case_id IS NULL OR l.typology IS NULL))
           -- precursor loads are declared as something else (trade-based laundering ships real goods)
           OR (l.is_illicit AND l.actual_hs_code = s.hs_code AND s.exporter_id IN
               (SELECT party_id FROM party_labels WHERE CAST(role AS VARCHAR) = 'precursor_supplier'))""")[0]
    assert bad == 0


def test_honest_look_alikes_of_trade_and_shell_signals(year: Dataset) -> None:
    from counterflow.render.economy.context import build_context
    from counterflow.render.economy.trade import OFF_LINE, OFF_PRICE, plan_trade
    from counterflow.render.population import build_population
    from counterflow.scenario import parse_scenario
    from counterflow.world.goods import GOODS, SECTOR_OF_INDUSTRY

    # A larger trade plan (no transactions) for shares that a few hundred shipments cannot show.
    sc = parse_scenario("name: trade\ndays: 365\npopulation: {persons: 1000, businesses: 3000}")
    ctx = build_context(sc, 5, build_population(sc, 5))
    ship = plan_trade(ctx).shipments
    # Lots far from the usual price (closeouts below, premium lots above): beyond two price
    # spreads, on both sides, about OFF_PRICE of them.
    sigma = {g.hs_code: g.price_sigma for g in GOODS}
    price = {g.hs_code: g.price_usd for g in GOODS}
    hs = ship["hs_code"].to_pylist()
    unit = np.array(ship["declared_value"].to_pylist()) / np.array(ship["quantity"].to_pylist())
    z = np.array([np.log(u / price[h]) / sigma[h] for h, u in zip(hs, unit)])
    assert len(z) > 2000
    assert (z > 2).sum() >= 3 and (z < -2).sum() >= 3
    assert 0.3 * OFF_PRICE < (np.abs(z) > 2).mean() < 1.5 * OFF_PRICE
    # Orders outside the importer's usual line of goods, about OFF_LINE of them.
    sector = {g.hs_code: g.sector for g in GOODS}
    industry = dict(zip(ctx.pop.businesses.party_id.tolist(), ctx.pop.businesses.industry.tolist()))
    from counterflow.world.industries import INDUSTRIES

    off = [sector[h] not in SECTOR_OF_INDUSTRY.get(INDUSTRIES[industry[i]].code, ())
           for h, i in zip(hs, ship["importer_id"].to_pylist())]
    assert 0.2 * OFF_LINE < np.mean(off) < 1.5 * OFF_LINE
    # Honest firms registered at their city's business centre share an address, within one city.
    shared = year.fetchall("""SELECT p.address, count(*), count(DISTINCT p.city_id) FROM parties p
        JOIN party_labels l USING (party_id) WHERE p.kind = 'business' AND NOT l.is_illicit
        GROUP BY 1 HAVING count(*) > 1""")
    n_biz = year.fetchone("""SELECT count(*) FROM parties p JOIN party_labels l USING (party_id)
                             WHERE p.kind = 'business' AND NOT l.is_illicit""")[0]
    assert shared and all(cities == 1 for _, _, cities in shared)
    assert sum(n for _, n, _ in shared) < 0.1 * n_biz
