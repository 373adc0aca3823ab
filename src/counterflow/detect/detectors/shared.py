"""Shared-identifier clusters (F2, P6): "unrelated" parties sharing a phone, email or address and
paying the same Chinese or Hong Kong chemical firm.

Parties are grouped by an identical phone, email or street address (each value a group of its own;
no chaining through several values). A group fires when at least ``min_parties`` of its parties
pay one chemical or pharmaceutical business in China or Hong Kong within the window. The subject
is each paying account of the group; its evidence is every payment of the group to that firm in
the window, its own and its linked parties', so the reason can say what the cluster did.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from counterflow.detect.base import ts_literal
from counterflow.detect.detectors.base import Detector, evidence_select, money, plural, span
from counterflow.engine.dialects import Dialect
from counterflow.engine.pipeline import Pipeline
from counterflow.world.goods import SECTOR_OF_INDUSTRY

_IDS = ("phone", "email", "address")
CHEMICAL_INDUSTRIES: tuple[str, ...] = tuple(
    sorted(code for code, sectors in SECTOR_OF_INDUSTRY.items() if {"chemical", "pharma"} & set(sectors)))
OWN, LINKED = "payment to the chemical firm", "payment by a linked party"


@dataclass(frozen=True)
class SharedIdentifierCluster(Detector):
    name = "shared_identifiers"
    typologies: tuple[str, ...] = ("F2", "P6")
    window_s: int = 90 * 86_400
    min_parties: int = 2
    countries: tuple[str, ...] = ("CN", "HK")

    @property
    def lookback_s(self) -> int:
        return self.window_s

    def steps(self, p: Pipeline, d: Dialect, lo: dt.datetime, hi: dt.datetime) -> None:
        p.add("si_ids", "\nUNION ALL\n".join(
            f"SELECT party_id, '{c}' AS kind, {c} AS value FROM parties WHERE {c} IS NOT NULL" for c in _IDS))
        p.add("si_groups", "SELECT kind, value FROM si_ids GROUP BY kind, value HAVING count(DISTINCT party_id) >= 2")
        p.add("si_members", """
SELECT i.party_id, i.kind, i.value FROM si_ids i JOIN si_groups g ON g.kind = i.kind AND g.value = i.value""")
        where = ", ".join(f"'{c}'" for c in self.countries)
        inds = ", ".join(f"'{c}'" for c in CHEMICAL_INDUSTRIES)
        p.add("si_firms", f"""
SELECT a.account_id FROM accounts a JOIN parties pt ON pt.party_id = a.party_id JOIN banks b ON b.bank_id = a.bank_id
WHERE pt.kind = 'business' AND pt.industry_code IN ({inds}) AND (pt.country IN ({where}) OR b.country IN ({where}))""")
        # Payments to the firms first, then their payers' groups: most parties share an address
        # with someone (households, business centres), so joining the groups first multiplies
        # every payment in the window before the firms filter (5 GB at 5 M rows).
        p.add("si_firm_pays", """
SELECT t.txn_id, t.ts, t.e, t.src_account, t.dst_account, t.src_party, t.amount_paid, t.currency_paid,
       t.amount_usd, t.dst_country
FROM txn t JOIN si_firms f ON f.account_id = t.dst_account
WHERE t.src_account <> t.dst_account AND t.src_party <> t.dst_party""")
        p.add("si_pays", """
SELECT t.*, m.kind, m.value FROM si_firm_pays t JOIN si_members m ON m.party_id = t.src_party""")
        win = (f"PARTITION BY kind, value, dst_account ORDER BY e "
               f"RANGE BETWEEN {self.window_s} PRECEDING AND CURRENT ROW")
        p.add("si_anchors", f"""
SELECT DISTINCT kind, value, dst_account, e AS anchor_e FROM (
    SELECT kind, value, dst_account, e, ts, {d.count_distinct_over('src_party', win)} AS n FROM si_pays) AS w
WHERE n >= {self.min_parties} AND ts >= {ts_literal(lo)} AND ts < {ts_literal(hi)}""")
        p.add("si_hits", f"""
SELECT DISTINCT py.* FROM si_anchors a JOIN si_pays py ON py.kind = a.kind AND py.value = a.value
    AND py.dst_account = a.dst_account AND py.e BETWEEN a.anchor_e - {self.window_s} AND a.anchor_e""")
        p.add("si_subjects", "SELECT DISTINCT kind, value, dst_account, src_account AS subject FROM si_hits")
        cols = evidence_select(
            self.name, ",".join(self.typologies), subject_account="s.subject", txn_id="h.txn_id", ts="h.ts",
            role=f"CASE WHEN h.src_account = s.subject THEN '{OWN}' ELSE '{LINKED}' END",
            amount="h.amount_paid", currency="h.currency_paid", amount_usd="h.amount_usd",
            counterparty="h.dst_account", country="h.dst_country", link="'shared ' || h.kind",
            related_account="h.src_account", detail="h.value")
        p.add("evidence", f"""
SELECT DISTINCT {cols}
FROM si_hits h JOIN si_subjects s ON s.kind = h.kind AND s.value = h.value AND s.dst_account = h.dst_account
ORDER BY subject_account, ts, txn_id, link""")

    def describe(self, rows: list[dict[str, Any]]) -> str:
        links = sorted({(r["link"].removeprefix("shared "), r["detail"]) for r in rows})
        shares = " and ".join(f"a {kind} ({value})" for kind, value in links)
        others = {r["related_account"] for r in rows if r["role"] == LINKED}
        firms = sorted({r["counterparty"] for r in rows})
        by_txn = {r["txn_id"]: r for r in rows}
        own = [r for r in by_txn.values() if r["role"] == OWN]
        firm = f"the same chemical firm (account {firms[0]})" if len(firms) == 1 else \
            f"the same {len(firms)} chemical firms"
        return (f"shares {shares} with {plural(len(others), 'other paying account')}; together they paid {firm} "
                f"{plural(len(by_txn), 'time')}, {money(sum(r['amount_usd'] for r in by_txn.values()))} in all "
                f"({plural(len(own), 'payment')} from this account) within {span(list(by_txn.values()))}")
