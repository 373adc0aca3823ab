"""What a typology detector is: named SQL steps that return evidence rows, and a sentence about them.

Every detector returns rows of the same shape (:data:`EVIDENCE_COLUMNS`): one row per piece of
evidence (a transaction, with the role it plays) for a *subject* account. The plain-language
reason of an alert is written by :meth:`Detector.describe` from those rows alone, so a reason can
only say what its evidence shows (the tests recount it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from counterflow.detect.base import txn_base_sql
from counterflow.engine.dialects import Dialect
from counterflow.engine.pipeline import Engine, Pipeline

EVIDENCE_SCHEMA = pa.schema([
    ("detector", pa.string()),
    ("typologies", pa.string()),       # comma-separated red-flag codes
    ("subject_account", pa.int64()),
    ("txn_id", pa.int64()),
    ("ts", pa.timestamp("us")),
    ("role", pa.string()),             # what the row is to the pattern: deposit, credit, debit, ...
    ("amount", pa.float64()),          # in the subject's side's currency
    ("currency", pa.string()),
    ("amount_usd", pa.float64()),
    ("counterparty", pa.int64()),      # the other account, null for cash
    ("country", pa.string()),          # the counterparty's bank country
    ("state", pa.string()),            # the branch's state, for cash
    ("location_id", pa.int32()),       # the branch's city, for cash
    ("link", pa.string()),             # how two accounts are linked (mirror swaps)
    ("pair_id", pa.int64()),           # legs that belong together (mirror swaps)
    ("score", pa.float64()),           # the learned score (model evidence only)
    ("related_account", pa.int64()),   # another account the row ties the subject to (a linked payer)
    ("shipment_id", pa.int64()),       # the shipment a trade row is about
    ("hs_code", pa.string()),          # the declared goods of that shipment
    ("value_ratio", pa.float64()),     # invoice unit value over the goods' typical unit value
    ("forwarders", pa.int64()),        # length of the shipment's forwarder chain
    ("detail", pa.string()),           # what a reviewer needs to see: a shared value, papers that disagree
])
EVIDENCE_COLUMNS = tuple(EVIDENCE_SCHEMA.names)


def evidence_select(detector: str, typologies: str, *, typologies_sql: str | None = None, **cols: str) -> str:
    """The SELECT list of an evidence step: given expressions, NULL for the rest.

    ``typologies_sql`` replaces the constant codes by an expression, for detectors whose rows
    carry the codes that fired on them."""
    fixed = {"detector": f"'{detector}'", "typologies": typologies_sql or f"'{typologies}'"}
    parts = []
    for f in EVIDENCE_SCHEMA:
        expr = fixed.get(f.name) or cols.get(f.name) or "NULL"
        sql_type = {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.float64(): "DOUBLE",
                    pa.int32(): "INTEGER", pa.timestamp("us"): "TIMESTAMP"}[f.type]
        parts.append(f"CAST({expr} AS {sql_type}) AS {f.name}")
    unknown = set(cols) - set(EVIDENCE_COLUMNS)
    if unknown:
        raise ValueError(f"not evidence columns: {sorted(unknown)}")
    return ", ".join(parts)


@dataclass(frozen=True)
class Detector:
    """Base: subclasses set ``name``, ``typologies``, ``lookback_s`` and write the steps."""

    name = "detector"
    typologies: tuple[str, ...] = ()

    @property
    def lookback_s(self) -> int:
        raise NotImplementedError

    def steps(self, p: Pipeline, d: Dialect, lo: dt.datetime, hi: dt.datetime) -> None:
        """Add steps after ``txn`` (transactions from lo − look-back to hi); the last gives evidence
        for patterns completed in [lo, hi)."""
        raise NotImplementedError

    def pipeline(self, d: Dialect, lo: dt.datetime, hi: dt.datetime) -> Pipeline:
        p = Pipeline(self.name)
        p.add("txn", txn_base_sql(d, lo - dt.timedelta(seconds=self.lookback_s), hi))
        self.steps(p, d, lo, hi)
        return p

    def run(self, engine: Engine, lo: dt.datetime, hi: dt.datetime) -> pa.Table:
        out = engine.arrow(self.pipeline(engine.dialect, lo, hi))
        return out.cast(EVIDENCE_SCHEMA)

    def describe(self, rows: list[dict[str, Any]]) -> str:
        """One sentence from this detector's evidence rows for one subject."""
        raise NotImplementedError


# -- wording helpers shared by the detectors -------------------------------------------------
def money(x: float, currency: str = "USD") -> str:
    return f"{x:,.0f} {currency}"


def money_range(values: list[float], currency: str = "USD") -> str:
    lo, hi = min(values), max(values)
    if round(lo) == round(hi):
        return money(lo, currency)
    return f"{lo:,.0f}–{hi:,.0f} {currency}"


def span(rows: list[dict[str, Any]]) -> str:
    """How long the rows took, in the largest whole unit that reads naturally."""
    ts = [r["ts"] for r in rows]
    secs = (max(ts) - min(ts)).total_seconds()
    days = int(secs // 86_400) + (1 if secs % 86_400 else 0)
    if secs < 3_600:
        n = max(1, int(round(secs / 60)))
        return f"{n} minute{'s' * (n != 1)}"
    if secs < 86_400:
        n = int(secs // 3_600) + (1 if secs % 3_600 else 0)
        return f"{n} hour{'s' * (n != 1)}"
    return f"{days} day{'s' * (days != 1)}"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"
