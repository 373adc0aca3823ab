"""Scoring alerts against the dataset's ground truth: transactions, accounts, cases, typologies.

A transaction counts as flagged when it is evidence of some alert. Transaction-level F1 is the
minority (laundering) class F1, as AMLworld reports it. Value-weighted recall weighs each
illicit transaction by its dollar amount. Per typology: recall over the illicit transactions
labelled with the code; precision over the transactions flagged by alerts carrying the code.
Accounts: an account is illicit when its holder is labelled so or it is on either side of an
illicit transaction; an alert's accounts (its subject, or every account of a case alert) are its
predictions, and an alert is a hit for precision at budget when one of them is illicit. Cases:
detected when any of their transactions is flagged; time to detect runs from the case's first
transaction to the earliest alert holding one of its transactions. Shipments: a shipment is
flagged when an alert carries it (the trade detectors' evidence), illicit when
``shipment_labels`` says so. ``start`` limits everything to transactions (and alerts) from that
time on, the test period of a temporal split, and shipments to those departing on or after it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa

from counterflow.dataset.reader import Dataset
from counterflow.detect.base import ts_literal, txn_base_sql
from counterflow.engine.duckdb import DuckDBEngine
from counterflow.engine.pipeline import Pipeline

DEFAULT_BUDGETS = (10, 50, 100, 500, 1000)


def _prf(tp: float, fp: float, fn: float) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def evaluate(alerts: pa.Table, ds: Dataset, *, start: dt.datetime | None = None,
             budgets: tuple[int, ...] = DEFAULT_BUDGETS) -> dict[str, Any]:
    eng = DuckDBEngine(ds.con)
    if start is not None:
        when = pa.scalar(start, alerts.schema.field("alert_ts").type)
        alerts = alerts.filter(pa.compute.greater_equal(alerts.column("alert_ts"), when))
    flat = {"alert_id": [], "txn_id": [], "code": []}
    for a in alerts.select(["alert_id", "txn_ids", "typologies"]).to_pylist():
        codes = a["typologies"] or [None]
        for t in a["txn_ids"]:
            for c in codes:
                flat["alert_id"].append(a["alert_id"])
                flat["txn_id"].append(t)
                flat["code"].append(c)
    eng.register("_ev_flags", pa.table({"alert_id": pa.array(flat["alert_id"], pa.int64()),
                                        "txn_id": pa.array(flat["txn_id"], pa.int64()),
                                        "code": pa.array(flat["code"], pa.string())}))
    eng.register("_ev_alerts", alerts.select(["alert_id", "subject_account", "score", "alert_ts"]))
    shipped = sorted({s for ids in alerts.column("shipment_ids").to_pylist() for s in ids or ()})
    eng.register("_ev_shipments", pa.table({"shipment_id": pa.array(shipped, pa.int64())}))
    acc = {"alert_id": [], "account": []}
    for a in alerts.select(["alert_id", "subject_account", "accounts"]).to_pylist():
        for x in a["accounts"] or [a["subject_account"]]:
            acc["alert_id"].append(a["alert_id"])
            acc["account"].append(x)
    eng.register("_ev_accounts", pa.table({"alert_id": pa.array(acc["alert_id"], pa.int64()),
                                           "account": pa.array(acc["account"], pa.int64())}))
    p = Pipeline("evaluate")
    p.add("txn", txn_base_sql(eng.dialect, start, None))
    p.add("truth", """
SELECT t.txn_id, t.ts, t.src_account, t.dst_account, coalesce(t.amount_usd, 0) AS usd,
       coalesce(l.is_illicit, false) AS y, CAST(l.typology AS VARCHAR) AS typology, l.case_id,
       f.txn_id IS NOT NULL AS flagged
FROM txn t LEFT JOIN transaction_labels l ON l.txn_id = t.txn_id
LEFT JOIN (SELECT DISTINCT txn_id FROM _ev_flags) f ON f.txn_id = t.txn_id""")
    try:
        eng.materialize(p, "_ev_truth")
        def q(sql: str) -> list[dict[str, Any]]:
            # SQL sums of integers come back as decimals; reports want plain numbers.
            rows = eng.arrow(Pipeline("q").add("q", sql)).to_pylist()
            return [{k: float(v) if isinstance(v, Decimal) else v for k, v in r.items()} for r in rows]

        tx = q("""SELECT sum(CASE WHEN y AND flagged THEN 1 ELSE 0 END) AS tp,
                         sum(CASE WHEN NOT y AND flagged THEN 1 ELSE 0 END) AS fp,
                         sum(CASE WHEN y AND NOT flagged THEN 1 ELSE 0 END) AS fn,
                         sum(CASE WHEN y THEN usd ELSE 0 END) AS usd_all,
                         sum(CASE WHEN y AND flagged THEN usd ELSE 0 END) AS usd_hit, count(*) AS n
                  FROM _ev_truth""")[0]
        txn = {**_prf(tx["tp"] or 0, tx["fp"] or 0, tx["fn"] or 0),
               "value_recall": (tx["usd_hit"] or 0) / tx["usd_all"] if tx["usd_all"] else 0.0,
               "true_positives": int(tx["tp"] or 0), "false_positives": int(tx["fp"] or 0),
               "false_negatives": int(tx["fn"] or 0), "transactions": int(tx["n"] or 0)}
        typ = {}
        for r in q("""
WITH codes AS (SELECT DISTINCT typology AS code FROM _ev_truth WHERE y AND typology IS NOT NULL
               UNION SELECT DISTINCT code FROM _ev_flags WHERE code IS NOT NULL),
lab AS (SELECT typology AS code, count(*) AS support, sum(CASE WHEN flagged THEN 1 ELSE 0 END) AS hit,
               sum(usd) AS usd_all, sum(CASE WHEN flagged THEN usd ELSE 0 END) AS usd_hit
        FROM _ev_truth WHERE y GROUP BY typology),
fl AS (SELECT f.code, count(DISTINCT f.txn_id) AS flagged,
              count(DISTINCT CASE WHEN t.y THEN f.txn_id END) AS flagged_illicit
       FROM _ev_flags f JOIN _ev_truth t ON t.txn_id = f.txn_id GROUP BY f.code)
SELECT c.code, coalesce(lab.support, 0) AS support, coalesce(lab.hit, 0) AS hit, lab.usd_all, lab.usd_hit,
       coalesce(fl.flagged, 0) AS flagged, coalesce(fl.flagged_illicit, 0) AS flagged_illicit
FROM codes c LEFT JOIN lab ON lab.code = c.code LEFT JOIN fl ON fl.code = c.code ORDER BY c.code"""):
            prec = r["flagged_illicit"] / r["flagged"] if r["flagged"] else 0.0
            rec = r["hit"] / r["support"] if r["support"] else 0.0
            typ[r["code"]] = {"precision": prec, "recall": rec,
                              "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
                              "value_recall": (r["usd_hit"] or 0) / r["usd_all"] if r["usd_all"] else 0.0,
                              "support": int(r["support"]), "flagged": int(r["flagged"])}
        acct = q("""
WITH bad AS (SELECT src_account AS a FROM _ev_truth WHERE y AND src_account IS NOT NULL
             UNION SELECT dst_account FROM _ev_truth WHERE y AND dst_account IS NOT NULL
             UNION SELECT ac.account_id FROM accounts ac JOIN party_labels pl ON pl.party_id = ac.party_id
                   WHERE pl.is_illicit),
pred AS (SELECT DISTINCT account AS a FROM _ev_accounts)
SELECT (SELECT count(*) FROM pred WHERE a IN (SELECT a FROM bad)) AS tp,
       (SELECT count(*) FROM pred) AS n_pred, (SELECT count(*) FROM bad) AS n_bad""")[0]
        accounts = {**_prf(acct["tp"], acct["n_pred"] - acct["tp"], acct["n_bad"] - acct["tp"]),
                    "illicit_accounts": int(acct["n_bad"]), "alerted_accounts": int(acct["n_pred"])}
        cases = q("""
WITH c AS (SELECT case_id, min(ts) AS first_ts FROM _ev_truth WHERE y AND case_id IS NOT NULL GROUP BY case_id),
d AS (SELECT t.case_id, min(a.alert_ts) AS detected_ts FROM _ev_truth t
      JOIN _ev_flags f ON f.txn_id = t.txn_id JOIN _ev_alerts a ON a.alert_id = f.alert_id
      WHERE t.y AND t.case_id IS NOT NULL GROUP BY t.case_id)
SELECT c.case_id, c.first_ts, d.detected_ts FROM c LEFT JOIN d ON d.case_id = c.case_id ORDER BY c.case_id""")
        at = q("""
SELECT a.alert_id, a.score, EXISTS (SELECT 1 FROM _ev_accounts x WHERE x.alert_id = a.alert_id AND x.account IN (
    SELECT src_account FROM _ev_truth WHERE y AND src_account IS NOT NULL
    UNION SELECT dst_account FROM _ev_truth WHERE y AND dst_account IS NOT NULL
    UNION SELECT ac.account_id FROM accounts ac JOIN party_labels pl ON pl.party_id = ac.party_id
          WHERE pl.is_illicit)) AS hit
FROM _ev_alerts a ORDER BY a.score DESC, a.alert_ts, a.alert_id""")
        since = f"WHERE s.departure_date >= CAST({ts_literal(start)} AS DATE)" if start is not None else ""
        ship = q(f"""
WITH s AS (SELECT s.shipment_id, coalesce(l.is_illicit, false) AS y, f.shipment_id IS NOT NULL AS flagged
           FROM shipments s LEFT JOIN shipment_labels l ON l.shipment_id = s.shipment_id
           LEFT JOIN _ev_shipments f ON f.shipment_id = s.shipment_id {since})
SELECT count(*) AS n, coalesce(sum(CASE WHEN y THEN 1 ELSE 0 END), 0) AS n_bad,
       coalesce(sum(CASE WHEN flagged THEN 1 ELSE 0 END), 0) AS n_flagged,
       coalesce(sum(CASE WHEN y AND flagged THEN 1 ELSE 0 END), 0) AS tp FROM s""")[0]
    finally:
        for name in ("_ev_truth", "_ev_flags", "_ev_alerts", "_ev_accounts", "_ev_shipments"):
            eng.drop(name)
    hours = sorted((c["detected_ts"] - c["first_ts"]).total_seconds() / 3600 for c in cases if c["detected_ts"])
    detected = len(hours)
    precision_at = {}
    for k in budgets:
        top = at[:k]
        precision_at[str(k)] = sum(1 for a in top if a["hit"]) / len(top) if top else 0.0
    return {
        "f1": txn["f1"], "precision": txn["precision"], "recall": txn["recall"],
        "value_recall": txn["value_recall"],
        "from": start.isoformat() if start else None,
        "alerts": alerts.num_rows,
        "transactions": txn,
        "accounts": accounts,
        "cases": {"cases": len(cases), "detected": detected, "recall": detected / len(cases) if cases else 0.0,
                  "time_to_detect_hours": {"median": hours[len(hours) // 2] if hours else None,
                                           "max": hours[-1] if hours else None}},
        "shipments": {**_prf(ship["tp"], ship["n_flagged"] - ship["tp"], ship["n_bad"] - ship["tp"]),
                      "shipments": int(ship["n"]), "illicit_shipments": int(ship["n_bad"]),
                      "flagged_shipments": int(ship["n_flagged"]), "true_positives": int(ship["tp"])},
        "precision_at_budget": precision_at,
        "typologies": typ,
    }
