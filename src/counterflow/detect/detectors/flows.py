"""Flow typologies: many small payers to one Chinese beneficiary (F1/P9) and pass-through mules (C3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from counterflow.detect.base import ts_literal
from counterflow.detect.detectors.base import Detector, evidence_select, money, money_range, plural, span
from counterflow.engine.dialects import Dialect
from counterflow.engine.pipeline import Pipeline

_COUNTRY_NAMES = {"CN": "China", "HK": "Hong Kong"}


@dataclass(frozen=True)
class SupplierPayments(Detector):
    """Many low-dollar transfers (not card purchases) from payers abroad to one beneficiary in China or Hong Kong."""

    name = "supplier_payments"
    typologies: tuple[str, ...] = ("F1", "P9")
    max_usd: float = 1_000.0
    window_s: int = 30 * 86_400
    min_payers: int = 5
    countries: tuple[str, ...] = ("CN", "HK")

    @property
    def lookback_s(self) -> int:
        return self.window_s

    def steps(self, p: Pipeline, d: Dialect, lo: dt.datetime, hi: dt.datetime) -> None:
        where = ", ".join(f"'{c}'" for c in self.countries)
        p.add("small", f"""
SELECT * FROM txn
WHERE src_account IS NOT NULL AND dst_account IS NOT NULL AND src_account <> dst_account
  AND dst_country IN ({where}) AND src_country NOT IN ({where}) AND channel NOT IN ('CARD', 'CASH')
  AND amount_usd <= {self.max_usd}""")
        win = f"PARTITION BY dst_account ORDER BY e RANGE BETWEEN {self.window_s} PRECEDING AND CURRENT ROW"
        p.add("anchors", f"""
SELECT dst_account AS subject, e AS anchor_e FROM (
    SELECT dst_account, e, ts, {d.count_distinct_over('src_account', win)} AS payers FROM small) AS w
WHERE payers >= {self.min_payers} AND ts >= {ts_literal(lo)} AND ts < {ts_literal(hi)}""")
        cols = evidence_select(
            self.name, ",".join(self.typologies), subject_account="s.dst_account", txn_id="s.txn_id", ts="s.ts",
            role="'small payment in'", amount="s.amount_paid", currency="s.currency_paid",
            amount_usd="s.amount_usd", counterparty="s.src_account", country="s.dst_country")
        p.add("evidence", f"""
SELECT DISTINCT {cols}
FROM small s JOIN anchors a ON a.subject = s.dst_account AND s.e BETWEEN a.anchor_e - {self.window_s} AND a.anchor_e
ORDER BY subject_account, ts, txn_id""")

    def describe(self, rows: list[dict[str, Any]]) -> str:
        payers = {r["counterparty"] for r in rows}
        countries = sorted({_COUNTRY_NAMES.get(r["country"], r["country"]) for r in rows if r["country"]})
        where = f" (beneficiary in {' and '.join(countries)})" if countries else ""
        return (f"received {plural(len(rows), 'payment')} of {money_range([r['amount_usd'] for r in rows])} "
                f"(total {money(sum(r['amount_usd'] for r in rows))}) from {plural(len(payers), 'payer')} "
                f"within {span(rows)}{where}")


@dataclass(frozen=True)
class PassThrough(Detector):
    """Many credits and many debits of similar total through one account within a short time.

    "No business purpose" (red flag C3): accounts of parties known to be businesses are left out,
    since money in and out within days is what a trading firm's account does (on the quality
    benchmark's 400,000 rows every business the rule flagged was honest, every person a mule).
    Parties of unknown kind, as in imported transaction files, stay in."""

    name = "pass_through"
    typologies: tuple[str, ...] = ("C3",)
    window_s: int = 3 * 86_400
    min_credits: int = 3
    min_debits: int = 3
    min_usd: float = 10_000.0
    min_ratio: float = 0.8   # debits / credits
    max_ratio: float = 1.05

    @property
    def lookback_s(self) -> int:
        return self.window_s

    def steps(self, p: Pipeline, d: Dialect, lo: dt.datetime, hi: dt.datetime) -> None:
        p.add("legs", """
SELECT txn_id, ts, e, src_account AS account, dst_account AS cp, 0 AS inbound, amount_paid AS amount,
       currency_paid AS currency, amount_usd, dst_country AS cp_country
FROM txn WHERE src_account IS NOT NULL AND (dst_account IS NULL OR dst_account <> src_account)
UNION ALL
SELECT txn_id, ts, e, dst_account, src_account, 1, amount_received, currency_received, amount_usd, src_country
FROM txn WHERE dst_account IS NOT NULL AND (src_account IS NULL OR src_account <> dst_account)""")
        win = f"PARTITION BY account ORDER BY e RANGE BETWEEN {self.window_s} PRECEDING AND CURRENT ROW"
        p.add("sums", f"""
SELECT account, e, ts, inbound,
       sum(inbound) OVER ({win}) AS n_in, sum(1 - inbound) OVER ({win}) AS n_out,
       sum(amount_usd * inbound) OVER ({win}) AS usd_in, sum(amount_usd * (1 - inbound)) OVER ({win}) AS usd_out
FROM legs""")
        p.add("business", """
SELECT a.account_id FROM accounts a JOIN parties p ON p.party_id = a.party_id WHERE p.kind = 'business'""")
        p.add("anchors", f"""
SELECT DISTINCT s.account AS subject, s.e AS anchor_e FROM sums s LEFT JOIN business b ON b.account_id = s.account
WHERE b.account_id IS NULL AND inbound = 0
  AND n_in >= {self.min_credits} AND n_out >= {self.min_debits} AND usd_in >= {self.min_usd}
  AND usd_out BETWEEN {self.min_ratio} * usd_in AND {self.max_ratio} * usd_in
  AND ts >= {ts_literal(lo)} AND ts < {ts_literal(hi)}""")
        cols = evidence_select(
            self.name, ",".join(self.typologies), subject_account="l.account", txn_id="l.txn_id", ts="l.ts",
            role="CASE WHEN l.inbound = 1 THEN 'credit' ELSE 'debit' END", amount="l.amount",
            currency="l.currency", amount_usd="l.amount_usd", counterparty="l.cp", country="l.cp_country")
        p.add("evidence", f"""
SELECT DISTINCT {cols}
FROM legs l JOIN anchors a ON a.subject = l.account AND l.e BETWEEN a.anchor_e - {self.window_s} AND a.anchor_e
ORDER BY subject_account, ts, txn_id""")

    def describe(self, rows: list[dict[str, Any]]) -> str:
        cr = [r["amount_usd"] for r in rows if r["role"] == "credit"]
        db = [r["amount_usd"] for r in rows if r["role"] == "debit"]
        share = sum(db) / sum(cr) if sum(cr) else 0.0
        return (f"received {plural(len(cr), 'credit')} totalling {money(sum(cr))} and sent "
                f"{plural(len(db), 'debit')} totalling {money(sum(db))} ({share:.0%} of it) within {span(rows)}")
