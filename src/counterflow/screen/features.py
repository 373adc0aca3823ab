"""Screening results as detection features: is a party listed, or one or two hops from one.

``hop_distance`` runs in DuckDB as a short pipeline of named SQL steps: map transactions to
party-to-party edges (either direction), then take the parties next to listed ones (hop 1) and
next to those (hop 2). Parties with no path within two hops get NULL.
"""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa

from counterflow.screen.match import Screener
from counterflow.screen.parties import parties_from_table

HOP_STEPS: tuple[tuple[str, str], ...] = (
    ("edges", """
        SELECT DISTINCT sa.party_id AS a, da.party_id AS b
        FROM transactions t
        JOIN accounts sa ON t.src_account = sa.account_id
        JOIN accounts da ON t.dst_account = da.account_id
        WHERE t.dst_account IS NOT NULL AND sa.party_id <> da.party_id"""),
    ("links", "SELECT a, b FROM edges UNION SELECT b AS a, a AS b FROM edges"),
    ("hop0", "SELECT DISTINCT party_id FROM listed"),
    ("hop1", """
        SELECT DISTINCT l.b AS party_id FROM links l JOIN hop0 h ON l.a = h.party_id
        WHERE l.b NOT IN (SELECT party_id FROM hop0)"""),
    ("hop2", """
        SELECT DISTINCT l.b AS party_id FROM links l JOIN hop1 h ON l.a = h.party_id
        WHERE l.b NOT IN (SELECT party_id FROM hop0)
          AND l.b NOT IN (SELECT party_id FROM hop1)"""),
    ("hops", """
        SELECT party_id, 0 AS hop FROM hop0
        UNION ALL SELECT party_id, 1 FROM hop1
        UNION ALL SELECT party_id, 2 FROM hop2"""),
)


def hop_steps(*, listed: str = "listed", accounts: str = "accounts",
              transactions: str = "transactions") -> tuple[tuple[str, str], ...]:
    """:data:`HOP_STEPS` reading its inputs from other relation names.

    Detection runs these steps on a time-limited slice of the transactions; naming that slice
    ``transactions`` would shadow the table, which not every SQL engine allows.
    """
    names = {"listed": listed, "accounts": accounts, "transactions": transactions}
    pat = re.compile(r"\b(FROM|JOIN) (listed|accounts|transactions)\b")
    return tuple((n, pat.sub(lambda m: f"{m[1]} {names[m[2]]}", sql)) for n, sql in HOP_STEPS)


def hop_sql() -> str:
    """The whole pipeline as one query over relations named listed, accounts, transactions."""
    ctes = ",\n".join(f"{name} AS ({sql})" for name, sql in HOP_STEPS)
    return f"""WITH {ctes},
        everyone AS (SELECT DISTINCT party_id FROM accounts UNION SELECT party_id FROM hop0)
        SELECT e.party_id, CAST(h.hop AS TINYINT) AS hop
        FROM everyone e LEFT JOIN hops h USING (party_id) ORDER BY e.party_id"""


def _to_table(result) -> pa.Table:
    """Arrow table from a DuckDB result or relation (the method's name changed in DuckDB 2)."""
    method = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table
    return method()


def _as_arrow(value) -> pa.Table:
    return _to_table(value) if isinstance(value, duckdb.DuckDBPyRelation) else value


def hop_distance(listed, accounts, transactions,
                 con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """party_id, hop (0 listed, 1 or 2 hops away by transactions, else NULL).

    Each input is a pyarrow Table or a DuckDB relation with the dataset's column names
    (listed: party_id; accounts: account_id, party_id; transactions: src_account, dst_account).
    """
    con = con or duckdb.connect()
    for name, value in (("listed", listed), ("accounts", accounts),
                        ("transactions", transactions)):
        con.register(name, _as_arrow(value))
    try:
        return _to_table(con.sql(hop_sql()))
    finally:
        for name in ("listed", "accounts", "transactions"):
            con.unregister(name)


def listed_parties(screener: Screener, parties: pa.Table, *, verdict: str = "match"
                   ) -> pa.Table:
    """Screen a parties table; party_id, best score and entry of those at ``verdict`` level."""
    ids, scores, entries = [], [], []
    for party in parties_from_table(parties):
        hits = [h for h in screener.screen(party)
                if verdict == "candidate" or h.verdict == "match"]
        if hits:
            ids.append(int(party.party_id) if party.party_id.isdigit() else party.party_id)
            scores.append(hits[0].score)
            entries.append(f"{hits[0].list_id}:{hits[0].entry_id}")
    return pa.table({"party_id": pa.array(ids, pa.int64()), "score": pa.array(scores),
                     "entry": pa.array(entries, pa.string())})


def screening_features(screener: Screener, parties: pa.Table, accounts, transactions
                       ) -> pa.Table:
    """Per party: hop (0/1/2/NULL), listed score (NULL if not listed) and the matched entry."""
    listed = listed_parties(screener, parties)
    hops = hop_distance(listed.select(["party_id"]), accounts, transactions)
    con = duckdb.connect()
    con.register("hops", hops)
    con.register("listed", listed)
    con.register("parties", parties.select(["party_id"]))
    return _to_table(con.sql("""
        SELECT p.party_id, h.hop, l.score AS listed_score, l.entry AS listed_entry
        FROM parties p LEFT JOIN hops h USING (party_id) LEFT JOIN listed l USING (party_id)
        ORDER BY p.party_id"""))
