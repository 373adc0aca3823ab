"""Mirror swaps (C1): money in at one node, the equivalent out in another currency at a linked
node, nearly at once, less a fee (or plus a buyer's premium).

In a Chinese money-laundering network's mirror swap, a US broker account receives dollars and,
within minutes or hours, a linked account pays the equivalent in pesos (less a small fee) to the
cartel side. The other legs of the swap have the same shape wherever a bank sees both sides: a
Chinese dollar buyer receives dollars in the US and pays the yuan from an account in China; a
Mexico-based yuan buyer receives the yuan in China and pays pesos from an account in Mexico.
Two accounts are *linked* when one party holds both or their holders share a phone, email, tax
id or address. A pair is a credit of at least ``min_usd`` and a debit in another currency from a
linked account within ``max_gap_s`` of it, the debit's dollar value within ``min_fee``..``max_fee``
below the credit's (negative: above it); each credit keeps its closest match.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from counterflow.detect.base import ts_literal
from counterflow.detect.detectors.base import Detector, evidence_select, money, plural
from counterflow.engine.dialects import Dialect
from counterflow.engine.pipeline import Pipeline
from counterflow.world.currencies import CURRENCIES

_SHARED = ("phone", "email", "tax_id", "address")
IN, OUT = "money in", "money out (linked account)"


@dataclass(frozen=True)
class MirrorSwap(Detector):
    name = "mirror_swap"
    typologies: tuple[str, ...] = ("C1",)
    max_gap_s: int = 2 * 3_600
    min_fee: float = -0.02   # a buyer may pay a little more than it receives (a premium)
    max_fee: float = 0.05
    min_usd: float = 1_000.0

    @property
    def lookback_s(self) -> int:
        return self.max_gap_s

    def steps(self, p: Pipeline, d: Dialect, lo: dt.datetime, hi: dt.datetime) -> None:
        shared = "\nUNION ALL\n".join(
            f"SELECT p1.party_id AS p1, p2.party_id AS p2, 'shared {c.replace('_', ' ')}' AS link "
            f"FROM parties p1 JOIN parties p2 ON p1.{c} = p2.{c} AND p1.party_id <> p2.party_id"
            for c in _SHARED)
        p.add("links", f"""
SELECT a1.account_id AS a, a2.account_id AS b, min(l.link) AS link
FROM (SELECT party_id AS p1, party_id AS p2, 'same holder' AS link FROM parties
      UNION ALL {shared}) AS l
JOIN accounts a1 ON a1.party_id = l.p1 JOIN accounts a2 ON a2.party_id = l.p2
WHERE a1.account_id <> a2.account_id
GROUP BY a1.account_id, a2.account_id""")
        # Bank money only: a wallet's coins and its holder's bank payments are the crypto rail's
        # ordinary buying and selling (on the 5 M-row benchmark set most such pairs were honest).
        crypto = ", ".join(f"'{c.code}'" for c in CURRENCIES if c.is_crypto)
        p.add("money_in", f"""
SELECT * FROM txn WHERE dst_account IS NOT NULL AND amount_usd >= {self.min_usd}
  AND currency_received NOT IN ({crypto}) AND (src_account IS NULL OR src_account <> dst_account)""")
        p.add("money_out", f"""
SELECT * FROM txn WHERE src_account IS NOT NULL AND amount_usd >= {self.min_usd * (1 - self.max_fee)}
  AND currency_paid NOT IN ({crypto}) AND (dst_account IS NULL OR dst_account <> src_account)""")
        p.add("pairs", f"""
SELECT i.txn_id AS in_id, o.txn_id AS out_id, i.dst_account AS subject, o.src_account AS linked, l.link,
       1 - o.amount_usd / i.amount_usd AS fee
FROM money_in i
JOIN links l ON l.a = i.dst_account
JOIN money_out o ON o.src_account = l.b AND abs(o.e - i.e) <= {self.max_gap_s}
WHERE o.currency_paid <> i.currency_received
  AND 1 - o.amount_usd / i.amount_usd BETWEEN {self.min_fee} AND {self.max_fee}
  AND greatest(i.ts, o.ts) >= {ts_literal(lo)} AND greatest(i.ts, o.ts) < {ts_literal(hi)}""")
        # Each credit keeps its closest-fee debit, so one payment makes one pair.
        p.add("best", """
SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY in_id ORDER BY abs(fee), out_id) AS k FROM pairs) AS r
WHERE k = 1""")
        leg_in = evidence_select(
            self.name, ",".join(self.typologies), subject_account="b.subject", txn_id="i.txn_id", ts="i.ts",
            role=f"'{IN}'", amount="i.amount_received", currency="i.currency_received", amount_usd="i.amount_usd",
            counterparty="i.src_account", country="i.src_country", link="b.link", pair_id="b.in_id")
        leg_out = evidence_select(
            self.name, ",".join(self.typologies), subject_account="b.subject", txn_id="o.txn_id", ts="o.ts",
            role=f"'{OUT}'", amount="o.amount_paid", currency="o.currency_paid",
            amount_usd="o.amount_usd", counterparty="o.src_account", country="o.dst_country", link="b.link",
            pair_id="b.in_id")
        p.add("evidence", f"""
SELECT * FROM (
    SELECT {leg_in} FROM best b JOIN money_in i ON i.txn_id = b.in_id
    UNION ALL
    SELECT {leg_out} FROM best b JOIN money_out o ON o.txn_id = b.out_id) AS ev
ORDER BY subject_account, pair_id, ts, txn_id""")

    def describe(self, rows: list[dict[str, Any]]) -> str:
        pairs: dict[int, dict[str, dict[str, Any]]] = {}
        for r in rows:
            pairs.setdefault(r["pair_id"], {})["in" if r["role"] == IN else "out"] = r
        ins = [p["in"] for p in pairs.values()]
        outs = [p["out"] for p in pairs.values()]
        fees = [1 - o["amount_usd"] / i["amount_usd"] for i, o in zip(ins, outs)]
        gaps = [abs((o["ts"] - i["ts"]).total_seconds()) / 60 for i, o in zip(ins, outs)]
        links = sorted({r["link"] for r in rows})
        linked = sorted({o["counterparty"] for o in outs})
        fee = f"{min(fees):.1%}" if round(min(fees), 3) == round(max(fees), 3) else f"{min(fees):.1%}–{max(fees):.1%}"
        who = f"linked account {linked[0]}" if len(linked) == 1 else f"{len(linked)} linked accounts"
        return (f"received {_amounts(ins)} in {plural(len(ins), 'payment')} while {who} "
                f"({', '.join(links)}) paid {_amounts(outs)} "
                f"(= {money(sum(o['amount_usd'] for o in outs))}) within {max(gaps):.0f} minutes of each, "
                f"a {'fee' if min(fees) >= 0 else 'margin'} of {fee}")


def _amounts(rows: list[dict[str, Any]]) -> str:
    """Sums per currency: "10,000 USD" or "5,000 USD and 3,000 HKD"."""
    by: dict[str, float] = {}
    for r in rows:
        by[r["currency"]] = by.get(r["currency"], 0.0) + r["amount"]
    return " and ".join(money(v, c) for c, v in sorted(by.items()))
