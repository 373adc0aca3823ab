"""Reading the dataset for the app's views: parties, accounts, transactions, documents, evidence.

One DuckDB database per app (:func:`counterflow.open_dataset`'s views over the Parquet files),
with the transactions enriched once at start into ``cf_txn`` (dollar amounts, the holders'
countries and states) and the alerts' evidence rows in ``cf_evidence``. Each request reads
through its own cursor, since one DuckDB connection must not be shared across threads.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pyarrow as pa

from counterflow.dataset.reader import Dataset
from counterflow.detect.base import txn_base_sql
from counterflow.engine.dialects import get_dialect

PARTY_COLS = ("party_id, kind, name, given_name, family_name, country, nationality, birth_date, occupation, "
              "industry_code, registration_date, tax_id, phone, email, address, state")
IDENTIFIERS = ("phone", "email", "tax_id", "address")
CACHE_ENTRIES = 200_000
_MISSING = object()


class Store:
    def __init__(self, ds: Dataset, evidence: pa.Table | None = None) -> None:
        self.ds = ds
        self.path = Path(ds.path)
        self._lock = threading.Lock()
        # The dataset does not change while the app serves it: rows looked up by key are kept
        # (bounded), so a page of a case costs dictionary lookups after its first view.
        self._cache: dict[tuple[str, Any], Any] = {}
        con = ds.con
        con.execute(f"""CREATE OR REPLACE TABLE cf_txn AS
SELECT b.*, sp.state AS src_state, dp.state AS dst_state, coalesce(sp.country, b.src_country) AS src_pcountry,
       coalesce(dp.country, b.dst_country) AS dst_pcountry, lp.country AS loc_country
FROM ({txn_base_sql(get_dialect('duckdb'), None, None)}) b
LEFT JOIN places lp ON lp.place_id = b.location_id
LEFT JOIN parties sp ON sp.party_id = b.src_party LEFT JOIN parties dp ON dp.party_id = b.dst_party""")
        con.execute("CREATE OR REPLACE TABLE cf_accounts AS SELECT a.*, b.name AS bank_name, b.country AS bank_country "
                    "FROM accounts a LEFT JOIN banks b ON b.bank_id = a.bank_id")
        con.execute(f"CREATE OR REPLACE TABLE cf_parties AS SELECT {PARTY_COLS} FROM parties")
        self.set_evidence(evidence)

    def set_evidence(self, evidence: pa.Table | None) -> None:
        from counterflow.detect.detectors.base import EVIDENCE_SCHEMA

        self._cache.clear()
        ev = evidence if evidence is not None else EVIDENCE_SCHEMA.empty_table()
        con = self.ds.con
        con.register("_cf_ev_in", ev)
        try:
            con.execute("CREATE OR REPLACE TABLE cf_evidence AS SELECT * FROM _cf_ev_in")
        finally:
            con.unregister("_cf_ev_in")

    # -- plumbing ---------------------------------------------------------------------------
    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            cur = self.ds.con.cursor()
        try:
            res = cur.execute(sql, params or [])
            names = [d[0] for d in res.description]
            return [dict(zip(names, r)) for r in res.fetchall()]
        finally:
            cur.close()

    def _cached(self, kind: str, keys: list[Any], fetch: Any) -> dict[Any, Any]:
        """{key: value} for ``keys``, fetching the misses with ``fetch(missing) -> {key: value}``."""
        out, missing = {}, []
        for k in keys:
            v = self._cache.get((kind, k), _MISSING)
            if v is _MISSING:
                missing.append(k)
            else:
                out[k] = v
        if missing:
            got = fetch(missing)
            if len(self._cache) > CACHE_ENTRIES:
                self._cache.clear()
            for k in missing:
                self._cache[(kind, k)] = got.get(k)
                out[k] = got.get(k)
        return out

    def one(self, sql: str, params: list[Any] | None = None) -> dict[str, Any] | None:
        r = self.rows(sql, params)
        return r[0] if r else None

    # -- entities ---------------------------------------------------------------------------
    def holders(self, accounts: list[int]) -> dict[int, dict[str, Any]]:
        got = self._cached("holder", list(dict.fromkeys(accounts)), self._holders)
        return {k: v for k, v in got.items() if v is not None}

    def _holders(self, accounts: list[int]) -> dict[int, dict[str, Any]]:
        rows = self.rows("""SELECT a.account_id, a.account_number, a.currency, a.bank_name, a.bank_country,
                                   p.party_id, p.name, p.kind, p.country, p.state
                            FROM cf_accounts a LEFT JOIN cf_parties p ON p.party_id = a.party_id
                            WHERE a.account_id IN (SELECT unnest(?))""", [list(accounts)])
        return {r["account_id"]: r for r in rows}

    def party(self, party_id: int) -> dict[str, Any] | None:
        return self.one("SELECT * FROM cf_parties WHERE party_id = ?", [party_id])

    def parties(self, ids: list[int]) -> list[dict[str, Any]]:
        def fetch(missing: list[int]) -> dict[int, dict[str, Any]]:
            rows = self.rows("SELECT * FROM cf_parties WHERE party_id IN (SELECT unnest(?))", [missing])
            return {r["party_id"]: r for r in rows}
        got = self._cached("party", sorted(set(ids)), fetch)
        return [got[k] for k in sorted(got) if got[k] is not None]

    def party_accounts(self, party_id: int) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM cf_accounts WHERE party_id = ? ORDER BY account_id", [party_id])

    def counterparties(self, accounts: list[int], limit: int = 50) -> list[dict[str, Any]]:
        if not accounts:
            return []
        return self.rows("""
WITH e AS (SELECT CASE WHEN src_account IN (SELECT unnest(?)) THEN dst_account ELSE src_account END AS other,
                  amount_usd, ts FROM cf_txn
           WHERE (src_account IN (SELECT unnest(?)) OR dst_account IN (SELECT unnest(?)))
             AND src_account IS NOT NULL AND dst_account IS NOT NULL AND src_account <> dst_account)
SELECT e.other AS account_id, p.party_id, p.name, count(*) AS n, sum(e.amount_usd) AS usd, max(e.ts) AS last_ts
FROM e LEFT JOIN cf_accounts a ON a.account_id = e.other LEFT JOIN cf_parties p ON p.party_id = a.party_id
WHERE e.other NOT IN (SELECT unnest(?))
GROUP BY 1, 2, 3 ORDER BY usd DESC NULLS LAST LIMIT ?""", [accounts, accounts, accounts, accounts, limit])

    def account_txns(self, accounts: list[int], limit: int = 200) -> list[dict[str, Any]]:
        if not accounts:
            return []
        return self.rows("""SELECT txn_id, ts, src_account, dst_account, amount_paid, currency_paid, amount_usd,
                                   channel, txn_type, shipment_id FROM cf_txn
                            WHERE src_account IN (SELECT unnest(?)) OR dst_account IN (SELECT unnest(?))
                            ORDER BY ts DESC LIMIT ?""", [accounts, accounts, limit])

    def txns(self, ids: list[int]) -> list[dict[str, Any]]:
        if not ids:
            return []
        return self.rows("""SELECT txn_id, ts, src_account, dst_account, src_party, dst_party, amount_paid,
                                   currency_paid, amount_received, currency_received, amount_usd, channel,
                                   txn_type, src_country, dst_country, src_state, dst_state, loc_state, shipment_id
                            FROM cf_txn WHERE txn_id IN (SELECT unnest(?)) ORDER BY ts, txn_id""", [list(ids)])

    def party_documents(self, party_id: int, limit: int = 100) -> list[dict[str, Any]]:
        return self.rows("""
SELECT d.document_id, d.doc_type, d.doc_number, d.issue_date, d.shipment_id, d.hs_code, d.goods_description,
       d.declared_value, d.currency, s.origin_country, s.dest_country
FROM trade_documents d JOIN shipments s ON s.shipment_id = d.shipment_id
WHERE ? IN (s.exporter_id, s.importer_id, s.consignee_id) OR d.issuer_id = ?
ORDER BY d.issue_date DESC, d.document_id LIMIT ?""", [party_id, party_id, limit])

    def shipment_documents(self, shipment_ids: list[int]) -> list[dict[str, Any]]:
        def fetch(missing: list[int]) -> dict[int, list[dict[str, Any]]]:
            by: dict[int, list[dict[str, Any]]] = {k: [] for k in missing}
            for r in self._shipment_documents(missing):
                by[r["shipment_id"]].append(r)
            return by
        got = self._cached("docs", sorted(set(shipment_ids)), fetch)
        return [d for k in sorted(got) for d in got[k] or []]

    def _shipment_documents(self, shipment_ids: list[int]) -> list[dict[str, Any]]:
        return self.rows("""SELECT document_id, shipment_id, doc_type, doc_number, issue_date, hs_code,
                                   goods_description, quantity, declared_value, currency
                            FROM trade_documents WHERE shipment_id IN (SELECT unnest(?))
                            ORDER BY shipment_id, doc_type""", [list(shipment_ids)])

    def shipments(self, ids: list[int]) -> list[dict[str, Any]]:
        if not ids:
            return []
        return self.rows("""
SELECT s.*, op.state AS origin_state, dp.state AS dest_state, op.name AS origin_port, dp.name AS dest_port
FROM shipments s LEFT JOIN places op ON op.place_id = s.origin_port_id
LEFT JOIN places dp ON dp.place_id = s.dest_port_id
WHERE s.shipment_id IN (SELECT unnest(?)) ORDER BY s.departure_date""", [list(ids)])

    def evidence(self, accounts: list[int], txn_ids: list[int], shipment_ids: list[int]) -> list[dict[str, Any]]:
        return self.rows("""SELECT * FROM cf_evidence WHERE subject_account IN (SELECT unnest(?))
                              AND (txn_id IN (SELECT unnest(?)) OR shipment_id IN (SELECT unnest(?)))
                            ORDER BY ts, txn_id""", [list(accounts), list(txn_ids) or [-1], list(shipment_ids) or [-1]])

    def shared_identifiers(self, party_ids: list[int]) -> list[dict[str, Any]]:
        """(kind, value, party_id) of the identifiers these parties hold."""
        def fetch(missing: list[int]) -> dict[int, list[dict[str, Any]]]:
            by: dict[int, list[dict[str, Any]]] = {k: [] for k in missing}
            for r in self._identifiers(missing):
                by[r["party_id"]].append(r)
            return by
        got = self._cached("ids", sorted(set(party_ids)), fetch)
        return [i for k in sorted(got) for i in got[k] or []]

    def _identifiers(self, party_ids: list[int]) -> list[dict[str, Any]]:
        parts = " UNION ALL ".join(f"SELECT '{c}' AS kind, {c} AS value, party_id FROM cf_parties "
                                   f"WHERE {c} IS NOT NULL AND party_id IN (SELECT unnest(?))" for c in IDENTIFIERS)
        return self.rows(parts, [list(party_ids)] * len(IDENTIFIERS))

    def date_range(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        r = self.one("SELECT min(ts) AS lo, max(ts) AS hi FROM cf_txn")
        return (r["lo"], r["hi"]) if r else (None, None)
