"""Cash typologies: structuring below the reporting threshold (F3) and funnel accounts (F4).

A cash deposit is a CASH row into an account with no paying account (the twin's form) or with
the same account on both sides (the AMLworld form).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from counterflow.detect.base import REPORTING_THRESHOLD_USD, ts_literal
from counterflow.detect.detectors.base import Detector, evidence_select, money, money_range, plural, span
from counterflow.engine.dialects import Dialect
from counterflow.engine.pipeline import Pipeline

_CASH_IN = ("channel = 'CASH' AND dst_account IS NOT NULL "
            "AND (src_account IS NULL OR src_account = dst_account)")


def _where_places(rows: list[dict[str, Any]]) -> str:
    branches = {r["location_id"] for r in rows if r["location_id"] is not None}
    states = {r["state"] for r in rows if r["state"] is not None}
    if not branches:
        return ""
    text = f" at {plural(len(branches), 'branch', 'branches')}"
    return text + (f" in {plural(len(states), 'state')}" if states else "")


@dataclass(frozen=True)
class Structuring(Detector):
    """Several cash deposits just below the threshold into one account within a few days."""

    name = "structuring"
    typologies: tuple[str, ...] = ("F3",)
    band_low_usd: float = 0.9 * REPORTING_THRESHOLD_USD
    threshold_usd: float = REPORTING_THRESHOLD_USD
    window_s: int = 5 * 86_400
    min_deposits: int = 3

    @property
    def lookback_s(self) -> int:
        return self.window_s

    def steps(self, p: Pipeline, d: Dialect, lo: dt.datetime, hi: dt.datetime) -> None:
        p.add("deposits", f"""
SELECT * FROM txn WHERE {_CASH_IN} AND amount_usd >= {self.band_low_usd} AND amount_usd < {self.threshold_usd}""")
        p.add("anchors", f"""
SELECT dst_account AS subject, e AS anchor_e FROM (
    SELECT dst_account, e, ts, count(*) OVER (
        PARTITION BY dst_account ORDER BY e RANGE BETWEEN {self.window_s} PRECEDING AND CURRENT ROW) AS n
    FROM deposits) AS w
WHERE n >= {self.min_deposits} AND ts >= {ts_literal(lo)} AND ts < {ts_literal(hi)}""")
        cols = evidence_select(
            self.name, ",".join(self.typologies), subject_account="d.dst_account", txn_id="d.txn_id",
            ts="d.ts", role="'cash deposit'", amount="d.amount_received", currency="d.currency_received",
            amount_usd="d.amount_usd", state="d.loc_state", location_id="d.location_id")
        p.add("evidence", f"""
SELECT DISTINCT {cols}
FROM deposits d JOIN anchors a ON a.subject = d.dst_account AND d.e BETWEEN a.anchor_e - {self.window_s} AND a.anchor_e
ORDER BY subject_account, ts, txn_id""")

    def describe(self, rows: list[dict[str, Any]]) -> str:
        usd = [r["amount_usd"] for r in rows]
        return (f"received {plural(len(rows), 'cash deposit')} of {money_range(usd)}{_where_places(rows)} "
                f"within {span(rows)}, each below the {self.threshold_usd:,.0f} USD reporting threshold")


@dataclass(frozen=True)
class FunnelAccount(Detector):
    """Cash deposited in several states into one account, then sent to Mexico soon after."""

    name = "funnel_account"
    typologies: tuple[str, ...] = ("F4",)
    window_s: int = 7 * 86_400
    min_states: int = 3
    min_deposits: int = 4
    min_share: float = 0.5  # of the deposits that leaves in one transfer to Mexico

    @property
    def lookback_s(self) -> int:
        return self.window_s

    def steps(self, p: Pipeline, d: Dialect, lo: dt.datetime, hi: dt.datetime) -> None:
        p.add("deposits", f"SELECT * FROM txn WHERE {_CASH_IN}")
        p.add("outs", f"""
SELECT * FROM txn
WHERE src_account IS NOT NULL AND channel <> 'CASH' AND (dst_country = 'MX' OR currency_received = 'MXN')
  AND ts >= {ts_literal(lo)} AND ts < {ts_literal(hi)}""")
        p.add("windows", f"""
SELECT o.txn_id AS out_id, o.src_account AS subject, o.e AS out_e, o.amount_usd AS out_usd,
       count(*) AS n_dep, count(DISTINCT dp.loc_state) AS n_states, sum(dp.amount_usd) AS dep_usd
FROM outs o JOIN deposits dp ON dp.dst_account = o.src_account
     AND dp.e >= o.e - {self.window_s} AND dp.e <= o.e AND dp.txn_id < o.txn_id
GROUP BY o.txn_id, o.src_account, o.e, o.amount_usd""")
        p.add("hits", f"""
SELECT * FROM windows
WHERE n_states >= {self.min_states} AND n_dep >= {self.min_deposits} AND out_usd >= {self.min_share} * dep_usd""")
        dep = evidence_select(
            self.name, ",".join(self.typologies), subject_account="h.subject", txn_id="dp.txn_id", ts="dp.ts",
            role="'cash deposit'", amount="dp.amount_received", currency="dp.currency_received",
            amount_usd="dp.amount_usd", state="dp.loc_state", location_id="dp.location_id")
        out = evidence_select(
            self.name, ",".join(self.typologies), subject_account="o.src_account", txn_id="o.txn_id", ts="o.ts",
            role="CASE WHEN o.channel = 'WIRE' THEN 'wire to Mexico' ELSE 'transfer to Mexico' END",
            amount="o.amount_paid", currency="o.currency_paid", amount_usd="o.amount_usd",
            counterparty="o.dst_account", country="o.dst_country")
        p.add("evidence", f"""
SELECT DISTINCT * FROM (
    SELECT {dep} FROM hits h JOIN deposits dp ON dp.dst_account = h.subject
        AND dp.e >= h.out_e - {self.window_s} AND dp.e <= h.out_e AND dp.txn_id < h.out_id
    UNION ALL
    SELECT {out} FROM hits h JOIN outs o ON o.txn_id = h.out_id) AS ev
ORDER BY subject_account, ts, txn_id""")

    def describe(self, rows: list[dict[str, Any]]) -> str:
        deps = [r for r in rows if r["role"] == "cash deposit"]
        outs = [r for r in rows if r["role"] != "cash deposit"]
        verb = "wired" if all(r["role"] == "wire to Mexico" for r in outs) else "sent"
        total_out = sum(r["amount_usd"] for r in outs)
        n_out = f" in {plural(len(outs), 'transfer')}" if len(outs) > 1 else ""
        return (f"received {plural(len(deps), 'cash deposit')} of {money_range([r['amount_usd'] for r in deps])} "
                f"(total {money(sum(r['amount_usd'] for r in deps))}){_where_places(deps)} within {span(deps)}, "
                f"then {verb} {money(total_out)} to Mexico{n_out}")
