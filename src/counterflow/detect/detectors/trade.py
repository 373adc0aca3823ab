"""Trade-based laundering from the papers (T1, T3, T4): mispriced, contradictory or oddly routed shipments.

A shipment is reviewed on the day of its latest document issued before the end of the run, with
the papers issued by then (:mod:`counterflow.detect.trade`). It is flagged when its invoice unit
value is far from the market value of the declared goods (T1), when its papers disagree or it was
invoiced more than once (T3), or when a long forwarder chain or a transshipment (T4) comes with
goods the importer's industry does not deal in (T2): legitimate loads are transshipped too, so a
route alone is not enough. The subject is the importer's paying account (its first account when
the shipment has no payment yet); the evidence is the shipment and the payments settling it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from counterflow.detect.base import ts_literal
from counterflow.detect.detectors.base import Detector, evidence_select, money, plural
from counterflow.detect.trade import add_trade_steps
from counterflow.engine.dialects import Dialect
from counterflow.engine.pipeline import Pipeline


@dataclass(frozen=True)
class TradeBasedLaundering(Detector):
    name = "trade_based"
    typologies: tuple[str, ...] = ("T1", "T3", "T4")
    max_ratio: float = 3.0        # invoice unit value above this many times the market value: T1
    min_forwarders: int = 3       # a chain this long (or a transshipment) is an odd route: T4
    lookback_days: int = 90       # payments of a shipment reviewed today may be this old

    @property
    def lookback_s(self) -> int:
        return self.lookback_days * 86_400

    def steps(self, p: Pipeline, d: Dialect, lo: dt.datetime, hi: dt.datetime) -> None:
        p.add("tb_subjects", f"""
SELECT s.shipment_id AS key, s.shipment_id, max(dc.issue_date) AS day, min(s.importer_id) AS trader_party
FROM shipments s JOIN trade_documents dc ON dc.shipment_id = s.shipment_id
WHERE CAST(dc.issue_date AS TIMESTAMP) < {ts_literal(hi)}
GROUP BY s.shipment_id
HAVING CAST(max(dc.issue_date) AS TIMESTAMP) >= {ts_literal(lo)}""")
        facts = add_trade_steps(p, "tb_subjects", "tb")
        r = self.max_ratio
        p.add("tb_hits", f"""
SELECT f.*, s.day,
       concat_ws(',', CASE WHEN f.value_ratio > {r} OR f.value_ratio < {1 / r} THEN 'T1' END,
                      CASE WHEN f.contradictions > 0 THEN 'T3' END,
                      CASE WHEN (f.forwarders >= {self.min_forwarders} OR f.transship = 1)
                                AND f.sector_mismatch = 1 THEN 'T4' END) AS codes,
       concat_ws(', ', CASE WHEN f.hs_differs = 1 THEN 'HS code' END, CASE WHEN f.qty_differs = 1 THEN 'quantity' END,
                       CASE WHEN f.value_differs = 1 THEN 'value' END,
                       CASE WHEN f.n_invoices > 1 THEN 'invoiced ' || CAST(f.n_invoices AS VARCHAR) || ' times' END)
           AS disagree
FROM {facts} f JOIN tb_subjects s ON s.key = f.key""")
        p.add("tb_flagged", "SELECT * FROM tb_hits WHERE codes <> ''")
        p.add("tb_pays", f"""
SELECT t.* FROM txn t JOIN tb_flagged f ON f.shipment_id = t.shipment_id
WHERE t.src_account IS NOT NULL AND t.ts < {ts_literal(hi)}""")
        p.add("tb_subject", """
SELECT f.shipment_id, coalesce(min(py.src_account), min(a.account_id)) AS subject
FROM tb_flagged f LEFT JOIN tb_pays py ON py.shipment_id = f.shipment_id
LEFT JOIN accounts a ON a.party_id = f.trader_party
GROUP BY f.shipment_id""")
        codes = "f.codes"
        ship = evidence_select(
            self.name, "", typologies_sql=codes, subject_account="sj.subject",
            ts="CAST(f.day AS TIMESTAMP)", role="'shipment'", amount="f.invoice_usd", currency="'USD'",
            amount_usd="f.invoice_usd", country="sh.origin_country", shipment_id="f.shipment_id",
            hs_code="f.invoice_hs", value_ratio="f.value_ratio", forwarders="f.forwarders",
            detail="nullif(f.disagree, '')", related_account="NULL")
        pay = evidence_select(
            self.name, "", typologies_sql=codes, subject_account="sj.subject", txn_id="py.txn_id", ts="py.ts",
            role="'trade payment'", amount="py.amount_paid", currency="py.currency_paid", amount_usd="py.amount_usd",
            counterparty="py.dst_account", country="py.dst_country", shipment_id="f.shipment_id")
        p.add("evidence", f"""
SELECT * FROM (
    SELECT {ship} FROM tb_flagged f JOIN tb_subject sj ON sj.shipment_id = f.shipment_id
    JOIN shipments sh ON sh.shipment_id = f.shipment_id
    WHERE sj.subject IS NOT NULL
    UNION ALL
    SELECT {pay} FROM tb_flagged f JOIN tb_subject sj ON sj.shipment_id = f.shipment_id
    JOIN tb_pays py ON py.shipment_id = f.shipment_id) AS ev
ORDER BY subject_account, shipment_id, ts, txn_id""")

    def describe(self, rows: list[dict[str, Any]]) -> str:
        parts = []
        for sid in sorted({r["shipment_id"] for r in rows}):
            mine = [r for r in rows if r["shipment_id"] == sid]
            ship = next(r for r in mine if r["role"] == "shipment")
            pays = [r for r in mine if r["role"] == "trade payment"]
            codes = ship["typologies"].split(",")
            facts = []
            if "T1" in codes:
                facts.append(f"invoiced at {ship['value_ratio']:.1f}× the typical value of HS {ship['hs_code']}")
            if "T3" in codes:
                facts.append(f"papers disagree on {ship['detail']}")
            if "T4" in codes:
                # T4 fired on a long chain or, failing that, on a transshipment.
                fw = ship["forwarders"] or 0
                route = f"routed through {plural(fw, 'forwarder')}" if fw >= self.min_forwarders else "transshipped"
                facts.append(f"{route} with goods outside the importer's line of business")
            paid = (f", settled by {plural(len(pays), 'payment')} totalling {money(sum(r['amount_usd'] for r in pays))}"
                    if pays else ", not paid yet")
            parts.append(f"shipment {sid} ({money(ship['amount_usd'])} invoiced) {'; '.join(facts)}{paid}")
        return "; ".join(parts)
