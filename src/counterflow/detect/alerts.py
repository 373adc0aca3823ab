"""Alerts: one per subject account, with score, typology codes, evidence and a plain-language reason.

(:mod:`counterflow.detect.cases` merges them into one alert per case subgraph.)

Evidence rows come from the typology detectors and from the learned score (transactions above
its threshold, attributed to the paying account, or the receiving one for cash deposits). They
are grouped by subject account; each detector that fired on the account contributes one
sentence, written from its own evidence rows only. The alerts table is written as Parquet with
:data:`ALERT_SCHEMA` so that other tools can read it; the evidence rows are kept beside it (same
file name, ``.evidence.parquet``) so that every number in a reason can be checked.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from counterflow.detect.detectors.base import EVIDENCE_SCHEMA, Detector, money, plural, span
from counterflow.errors import InputError
from counterflow.files import atomic_file, pending_commit

MODEL_DETECTOR = "model"
# Score of an alert raised by a typology detector, before the model's: rules fire on patterns a
# reviewer recognises, so they rank above most model-only alerts; two detectors rank higher still.
RULE_SCORE = 0.9
RULE_SCORE_STEP = 0.03

ALERT_SCHEMA = pa.schema([
    ("alert_id", pa.int64()),
    ("subject_account", pa.int64()),
    ("score", pa.float64()),
    ("alert_ts", pa.timestamp("us")),      # when the last piece of evidence happened: when it could fire
    ("first_ts", pa.timestamp("us")),
    ("typologies", pa.list_(pa.string())),
    ("detectors", pa.list_(pa.string())),
    ("reason", pa.string()),
    ("txn_ids", pa.list_(pa.int64())),
    ("counterparties", pa.list_(pa.int64())),
    ("amount_usd", pa.float64()),          # of the distinct evidence transactions
    ("accounts", pa.list_(pa.int64())),    # flagged accounts: the subject, or every account of a case
    ("shipment_ids", pa.list_(pa.int64())),
])


def describe_model(rows: list[dict[str, Any]], threshold: float | None = None) -> str:
    scores = [r["score"] for r in rows if r.get("score") is not None]
    cps = {r["counterparty"] for r in rows if r["counterparty"] is not None}
    above = f" above the model threshold {threshold:.3g}" if threshold is not None else ""
    top = f" (highest {max(scores):.3f})" if scores else ""
    total = money(sum(r["amount_usd"] or 0.0 for r in rows))
    return (f"{plural(len(rows), 'transaction')} scored{above}{top}, totalling {total} with "
            f"{plural(len(cps), 'counterparty', 'counterparties')} within {span(rows)}")


def build_alerts(evidence: pa.Table, detectors: tuple[Detector, ...], *,
                 txn_scores: dict[int, float] | None = None, threshold: float | None = None) -> pa.Table:
    """Group evidence by subject account into alerts, highest score first.

    ``evidence`` has :data:`EVIDENCE_SCHEMA` (plus an optional ``score`` column for model rows);
    ``txn_scores`` lifts an alert's score to the model's highest score among its transactions.
    """
    by_name = {d.name: d for d in detectors}
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in evidence.to_pylist():
        groups[r["subject_account"]].append(r)
    scores = txn_scores or {}
    alerts = []
    for subject, rows in groups.items():
        by_det: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            by_det[r["detector"]].append(r)
        sentences, codes = [], []
        for name in sorted(by_det, key=lambda n: (n == MODEL_DETECTOR, n)):
            det_rows = by_det[name]
            if name == MODEL_DETECTOR:
                sentences.append(describe_model(det_rows, threshold))
            else:
                sentences.append(by_name[name].describe(det_rows))
            for r in det_rows:
                for c in (r["typologies"] or "").split(","):
                    if c and c not in codes:
                        codes.append(c)
        rules = [n for n in by_det if n != MODEL_DETECTOR]
        # Shipment rows of trade evidence have no transaction.
        txn_ids = sorted({r["txn_id"] for r in rows if r["txn_id"] is not None})
        model_score = max((scores.get(t, 0.0) for t in txn_ids), default=0.0)
        rule_score = min(0.99, RULE_SCORE + RULE_SCORE_STEP * (len(rules) - 1)) if rules else 0.0
        usd = {r["txn_id"]: r["amount_usd"] or 0.0 for r in rows if r["txn_id"] is not None}
        alerts.append({
            "subject_account": subject,
            "score": max(model_score, rule_score),
            "alert_ts": max(r["ts"] for r in rows),
            "first_ts": min(r["ts"] for r in rows),
            "typologies": sorted(codes),
            "detectors": sorted(by_det),
            "reason": "; ".join(sentences),
            "txn_ids": txn_ids,
            "counterparties": sorted({r["counterparty"] for r in rows if r["counterparty"] is not None}),
            "amount_usd": sum(usd.values()),
            "accounts": [subject],
            "shipment_ids": sorted({r["shipment_id"] for r in rows if r.get("shipment_id") is not None}),
        })
    alerts.sort(key=lambda a: (-a["score"], a["alert_ts"], a["subject_account"]))
    for i, a in enumerate(alerts, start=1):
        a["alert_id"] = i
    return pa.Table.from_pylist(alerts, schema=ALERT_SCHEMA)


def limit_alerts(alerts: pa.Table, budget: int | None) -> pa.Table:
    """The ``budget`` highest-ranked alerts (alerts come ranked); all of them when None."""
    if budget is None:
        return alerts
    if budget < 0:
        raise ValueError("an alert budget is a number of alerts, 0 or more")
    return alerts.slice(0, budget)


def evidence_path(alerts_path: str | Path) -> Path:
    p = Path(alerts_path)
    return p.with_name(p.name.removesuffix(".parquet") + ".evidence.parquet")


def write_alerts(alerts: pa.Table, evidence: pa.Table, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write the alerts (and their evidence beside them); files appear only when complete."""
    out = Path(path)
    ev = evidence_path(out)
    for f in (out, ev):
        if f.is_dir():
            raise InputError("output is a directory; give a file name", file=str(f))
        if f.exists() and not overwrite:
            raise InputError("output exists; pass --overwrite to replace it", file=str(f))
    for table, target in ((evidence, ev), (alerts, out)):
        with atomic_file(target) as tmp:
            pq.write_table(table, tmp)
    return out


def _whole_pair(alerts_path: Path) -> None:
    """Refuse a pair that a detect run replaced only half way (its commit journal is still there: the
    alerts may be new and the evidence old). The next detect into the same place completes it."""
    if pending_commit(alerts_path):
        raise InputError("the alerts and their evidence were left half replaced by an interrupted detect "
                         "run; run detect again with the same --out", file=str(alerts_path))


def read_alerts(path: str | Path) -> pa.Table:
    p = Path(path)
    _whole_pair(p)
    if not p.is_file():
        raise InputError("no such alerts file", file=str(p))
    try:
        t = pq.read_table(p)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"not a Parquet alerts table ({exc})", file=str(p)) from exc
    missing = [n for n in ALERT_SCHEMA.names if n not in t.column_names]
    if missing:
        raise InputError(f"not an alerts table: missing columns {', '.join(missing)}", file=str(p),
                         field=missing[0])
    return t.select(ALERT_SCHEMA.names).cast(ALERT_SCHEMA)


def read_evidence(alerts_path: str | Path) -> pa.Table:
    _whole_pair(Path(alerts_path))
    p = evidence_path(alerts_path)
    if not p.is_file():
        raise InputError("no evidence file beside the alerts", file=str(p))
    return pq.read_table(p)


__all__ = ["ALERT_SCHEMA", "EVIDENCE_SCHEMA", "build_alerts", "limit_alerts", "read_alerts", "read_evidence",
           "write_alerts"]
